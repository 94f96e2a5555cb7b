//! Network description: cell templates and morphologies.
