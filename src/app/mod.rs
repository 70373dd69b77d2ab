//! The TUI application: Event -> Action -> update(state) -> Effects.
