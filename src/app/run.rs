//! The event loop: terminal input, engine events and shell events in; effects out; a redraw
//! at most every frame, and only when something changed.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::time::{Duration, Instant};

use crossterm::event::Event;
use futures_core::Stream;
use ratatui::backend::Backend;
use ratatui::{Frame, Terminal};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::MissedTickBehavior;

use crate::backend::BackendEvent;
use crate::backend::build_state::Phase;

use super::action::Action;
use super::effect::Effect;
use super::event::AppEvent;
use super::keymap::action_for_event;
use super::state::AppState;
use super::update::update;

/// Draws the whole screen for a state: [`crate::views::render`]. Passed in, so that the app
/// does not depend on the views that depend on it.
pub type Render = fn(&mut Frame, &AppState);

/// About 30 frames a second: log lines that arrive in between are drawn together.
const FRAME: Duration = Duration::from_millis(33);

/// Runs the dashboard until the user quits or `input` ends.
///
/// `input` is the terminal's event stream (`crossterm::event::EventStream::new()`), or any
/// stream of events a test wants to inject; `render` draws each frame. Effects go to `effects`; [`Effect::Quit`] is
/// sent last. Time in `state.now` continues from its value on entry.
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    render: Render,
    state: &mut AppState,
    mut input: S,
    mut backend_events: UnboundedReceiver<BackendEvent>,
    mut app_events: UnboundedReceiver<AppEvent>,
    effects: UnboundedSender<Effect>,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    let started = Instant::now();
    let time_on_entry = state.now;
    let clock = || time_on_entry + started.elapsed();

    let size = terminal.size()?;
    update(
        state,
        Action::Resize {
            width: size.width,
            height: size.height,
        },
    );

    let mut frames = tokio::time::interval(FRAME);
    frames.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut backend_open = true;
    let mut app_open = true;
    loop {
        // Biased: the frame tick and the user come before a flood of log lines.
        let action = tokio::select! {
            biased;
            _ = frames.tick() => {
                let shown_seconds = state.now.as_secs();
                if send_all(&effects, update(state, Action::Tick(clock())))? == Flow::Quit {
                    return Ok(());
                }
                dirty |= clock_is_shown(state) && state.now.as_secs() != shown_seconds;
                if dirty {
                    terminal.draw(|frame| render(frame, state))?;
                    dirty = false;
                }
                continue;
            }
            event = next_event(&mut input) => match event {
                Some(event) => action_for_event(state, &event?),
                None => return Ok(()),
            },
            event = app_events.recv(), if app_open => {
                app_open = event.is_some();
                event.map(Action::App)
            }
            event = backend_events.recv(), if backend_open => {
                backend_open = event.is_some();
                state.now = clock();
                event.map(Action::Backend)
            }
        };
        if let Some(action) = action {
            dirty = true;
            if send_all(&effects, update(state, action))? == Flow::Quit {
                return Ok(());
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

/// Hands effects to the shell; stops at [`Effect::Quit`], which is sent last.
fn send_all(effects: &UnboundedSender<Effect>, batch: Vec<Effect>) -> anyhow::Result<Flow> {
    for effect in batch {
        let quit = effect == Effect::Quit;
        if effects.send(effect).is_err() {
            anyhow::bail!("the shell stopped taking effects");
        }
        if quit {
            return Ok(Flow::Quit);
        }
    }
    Ok(Flow::Continue)
}

/// Whether the screen shows a running clock (elapsed time, seconds a unit has built).
fn clock_is_shown(state: &AppState) -> bool {
    matches!(
        state.build.phase,
        Phase::Planning | Phase::Evaluating | Phase::Building
    )
}

async fn next_event<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|context| Pin::new(&mut *stream).poll_next(context)).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use tokio::sync::mpsc::{self, unbounded_channel};

    use super::*;
    use crate::app::fixtures;
    use crate::backend::plan::CargoVerb;

    /// Terminal input a test types, one event at a time.
    struct TypedInput(mpsc::UnboundedReceiver<io::Result<Event>>);

    impl Stream for TypedInput {
        type Item = io::Result<Event>;

        fn poll_next(
            mut self: Pin<&mut Self>,
            context: &mut Context<'_>,
        ) -> Poll<Option<Self::Item>> {
            self.0.poll_recv(context)
        }
    }

    fn key(character: char) -> io::Result<Event> {
        Ok(Event::Key(KeyEvent::new(
            KeyCode::Char(character),
            KeyModifiers::NONE,
        )))
    }

    fn screen_text(terminal: &Terminal<TestBackend>) -> String {
        terminal.backend().to_string()
    }

    #[tokio::test]
    async fn engine_events_are_drawn_and_keys_become_effects() {
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("test terminal");
        let mut state = AppState::new(ratatui::layout::Size::new(100, 30));
        let (keys, typed) = unbounded_channel();
        let (backend, backend_events) = unbounded_channel();
        let (_app, app_events) = unbounded_channel();
        let (effects, mut effects_seen) = unbounded_channel();

        let plan = Arc::new(fixtures::plan());
        backend
            .send(BackendEvent::Planned(plan))
            .expect("loop is listening");
        let script = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            keys.send(key('b')).expect("loop is listening");
            tokio::time::sleep(Duration::from_millis(100)).await;
            keys.send(key('q')).expect("loop is listening");
        };
        let (result, ()) = tokio::join!(
            run(
                &mut terminal,
                crate::views::render,
                &mut state,
                TypedInput(typed),
                backend_events,
                app_events,
                effects,
            ),
            script
        );
        result.expect("loop ends cleanly");

        assert_eq!(
            effects_seen.recv().await,
            Some(Effect::Build {
                verb: CargoVerb::Build,
                only: None
            })
        );
        assert_eq!(effects_seen.recv().await, Some(Effect::Quit));
        assert!(
            screen_text(&terminal).contains("demo 0.1.0"),
            "the planned root is drawn:\n{}",
            screen_text(&terminal)
        );
    }

    #[tokio::test]
    async fn the_loop_ends_when_input_ends() {
        let mut terminal = Terminal::new(TestBackend::new(40, 10)).expect("test terminal");
        let mut state = AppState::new(ratatui::layout::Size::new(40, 10));
        let (keys, typed) = unbounded_channel();
        drop(keys);
        let (_backend, backend_events) = unbounded_channel();
        let (_app, app_events) = unbounded_channel();
        let (effects, _effects_seen) = unbounded_channel();
        run(
            &mut terminal,
            crate::views::render,
            &mut state,
            TypedInput(typed),
            backend_events,
            app_events,
            effects,
        )
        .await
        .expect("loop ends cleanly");
    }
}
