//! ratatui rendering, one file per panel; pure functions of app state.
