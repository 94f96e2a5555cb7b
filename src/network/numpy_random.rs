//! numpy random streams (being written).
