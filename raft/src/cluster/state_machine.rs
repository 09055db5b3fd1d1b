//! (being written) openraft RaftStateMachine on sled.
