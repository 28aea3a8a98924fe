//! kv-engine (under construction).
