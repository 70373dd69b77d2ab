//! Terminal input to [`Action`]s. The binding tables are also what the help overlay shows.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

use super::action::{Action, Command};
use super::state::{AppState, Mode};

/// Lines the mouse wheel scrolls per notch.
const WHEEL_LINES: i32 = 3;

/// Keys bound to one command in one mode.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [KeyCode],
    /// How the help overlay writes the keys.
    pub label: &'static str,
    pub command: Command,
}

const fn bind(keys: &'static [KeyCode], label: &'static str, command: Command) -> Binding {
    Binding {
        keys,
        label,
        command,
    }
}

pub const NORMAL_BINDINGS: &[Binding] = &[
    bind(&[KeyCode::Up, KeyCode::Char('k')], "↑ k", Command::Up),
    bind(&[KeyCode::Down, KeyCode::Char('j')], "↓ j", Command::Down),
    bind(
        &[KeyCode::Left, KeyCode::Char('h')],
        "← h",
        Command::Collapse,
    ),
    bind(
        &[KeyCode::Right, KeyCode::Char('l')],
        "→ l",
        Command::Expand,
    ),
    bind(
        &[KeyCode::Enter, KeyCode::Char(' ')],
        "Enter",
        Command::Toggle,
    ),
    bind(&[KeyCode::Char('*')], "*", Command::ExpandAll),
    bind(&[KeyCode::Char('v')], "v", Command::ToggleFlat),
    bind(&[KeyCode::Char('o')], "o", Command::CycleOrder),
    bind(&[KeyCode::Char('s')], "s", Command::CycleFilter),
    bind(&[KeyCode::Char('F')], "F", Command::ToggleFollow),
    bind(&[KeyCode::Char('p')], "p", Command::NextRunning),
    bind(&[KeyCode::Tab], "Tab", Command::FocusNext),
    bind(&[KeyCode::PageUp], "PgUp", Command::PageUp),
    bind(&[KeyCode::PageDown], "PgDn", Command::PageDown),
    bind(
        &[KeyCode::Home, KeyCode::Char('g')],
        "Home g",
        Command::LogTop,
    ),
    bind(
        &[KeyCode::End, KeyCode::Char('G')],
        "End G",
        Command::LogFollow,
    ),
    bind(&[KeyCode::Char('w')], "w", Command::ToggleWrap),
    bind(&[KeyCode::Char('b')], "b", Command::Build),
    bind(&[KeyCode::Char('T')], "T", Command::Test),
    bind(&[KeyCode::Char('C')], "C", Command::Check),
    bind(&[KeyCode::Char('r')], "r", Command::RebuildSelected),
    bind(&[KeyCode::Char('c')], "c", Command::Cancel),
    bind(&[KeyCode::Char('f')], "f", Command::NextFailed),
    bind(&[KeyCode::Char('a')], "a", Command::ApplyFix),
    bind(&[KeyCode::Char('/')], "/", Command::Search),
    bind(&[KeyCode::Char('n')], "n", Command::SearchNext),
    bind(&[KeyCode::Char('N')], "N", Command::SearchPrev),
    bind(&[KeyCode::Char('d')], "d", Command::ToggleDetails),
    bind(&[KeyCode::Char('t')], "t", Command::ToggleTimeline),
    bind(&[KeyCode::Char('e')], "e", Command::Edit),
    bind(&[KeyCode::Char('?')], "?", Command::Help),
    bind(&[KeyCode::Esc], "Esc", Command::Dismiss),
    bind(&[KeyCode::Char('q')], "q", Command::Quit),
];

/// In the deps editor every other printable key is typed into the input.
pub const EDITOR_BINDINGS: &[Binding] = &[
    bind(&[KeyCode::Tab], "Tab", Command::ToggleScope),
    bind(&[KeyCode::Up], "↑", Command::PreviousEditKind),
    bind(&[KeyCode::Down], "↓", Command::NextEditKind),
    bind(&[KeyCode::Enter], "Enter", Command::Submit),
    bind(&[KeyCode::Esc], "Esc", Command::Dismiss),
];

/// In a search prompt every other printable key is typed into the query.
pub const SEARCH_BINDINGS: &[Binding] = &[
    bind(&[KeyCode::Enter], "Enter", Command::Submit),
    bind(&[KeyCode::Esc], "Esc", Command::Dismiss),
];

pub const HELP_BINDINGS: &[Binding] = &[bind(
    &[KeyCode::Esc, KeyCode::Char('?'), KeyCode::Char('q')],
    "Esc ? q",
    Command::Dismiss,
)];

pub const ERROR_BINDINGS: &[Binding] = &[
    bind(&[KeyCode::Char('b')], "b", Command::Build),
    bind(&[KeyCode::Esc], "Esc", Command::Dismiss),
    bind(&[KeyCode::Char('q')], "q", Command::Quit),
];

pub fn bindings(mode: Mode) -> &'static [Binding] {
    match mode {
        Mode::Normal => NORMAL_BINDINGS,
        Mode::Editor => EDITOR_BINDINGS,
        Mode::Search => SEARCH_BINDINGS,
        Mode::Help => HELP_BINDINGS,
        Mode::Error => ERROR_BINDINGS,
    }
}

/// The action a terminal event asks for in the current mode, if any.
pub fn action_for_event(state: &AppState, event: &Event) -> Option<Action> {
    match event {
        Event::Key(key) => action_for_key(state.mode(), key),
        Event::Mouse(mouse) => {
            let (column, row) = (mouse.column, mouse.row);
            match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { column, row }),
                MouseEventKind::ScrollUp => Some(Action::Scroll {
                    column,
                    row,
                    lines: -WHEEL_LINES,
                }),
                MouseEventKind::ScrollDown => Some(Action::Scroll {
                    column,
                    row,
                    lines: WHEEL_LINES,
                }),
                _ => None,
            }
        }
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

pub fn action_for_key(mode: Mode, key: &KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    if control && key.code == KeyCode::Char('c') {
        return Some(Action::Command(Command::Quit));
    }
    if control || key.modifiers.contains(KeyModifiers::ALT) {
        return None;
    }
    let bound = bindings(mode)
        .iter()
        .find(|binding| binding.keys.contains(&key.code))
        .map(|binding| Action::Command(binding.command));
    if bound.is_some() || !matches!(mode, Mode::Editor | Mode::Search) {
        return bound;
    }
    match key.code {
        KeyCode::Char(character) => Some(Action::Type(character)),
        KeyCode::Backspace => Some(Action::Erase),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn command(mode: Mode, code: KeyCode) -> Option<Command> {
        match action_for_key(mode, &key(code)) {
            Some(Action::Command(command)) => Some(command),
            _ => None,
        }
    }

    #[test]
    fn keys_mean_commands_in_normal_mode_and_text_in_prompts() {
        assert_eq!(
            command(Mode::Normal, KeyCode::Char('j')),
            Some(Command::Down)
        );
        assert_eq!(
            command(Mode::Normal, KeyCode::Char('r')),
            Some(Command::RebuildSelected)
        );
        assert!(matches!(
            action_for_key(Mode::Editor, &key(KeyCode::Char('r'))),
            Some(Action::Type('r'))
        ));
        assert!(matches!(
            action_for_key(Mode::Search, &key(KeyCode::Backspace)),
            Some(Action::Erase)
        ));
        assert_eq!(command(Mode::Normal, KeyCode::Char('x')), None);
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [
            Mode::Normal,
            Mode::Editor,
            Mode::Search,
            Mode::Help,
            Mode::Error,
        ] {
            assert!(matches!(
                action_for_key(mode, &ctrl_c),
                Some(Action::Command(Command::Quit))
            ));
        }
    }

    #[test]
    fn shifted_letters_are_matched_by_their_character() {
        let shifted_n = KeyEvent::new(KeyCode::Char('N'), KeyModifiers::SHIFT);
        assert!(matches!(
            action_for_key(Mode::Normal, &shifted_n),
            Some(Action::Command(Command::SearchPrev))
        ));
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        for mode in [
            Mode::Normal,
            Mode::Editor,
            Mode::Search,
            Mode::Help,
            Mode::Error,
        ] {
            let mut keys: Vec<String> = bindings(mode)
                .iter()
                .flat_map(|binding| binding.keys.iter().map(|key| format!("{key:?}")))
                .collect();
            let count = keys.len();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), count, "{mode:?}");
        }
    }
}
