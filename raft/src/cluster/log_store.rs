//! (being written) openraft RaftLogStorage on sled.
