//! persistence (under construction).
