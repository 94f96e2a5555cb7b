//! Numerical engine: NEURON fixed-step method for HNN cells.
