//! The details pane: what the unit is, where its derivation lives, the crate's
//! `Cargo.dependencies.nix` entry, and how it is compiled (rustc command, environment); for
//! a derivation outside the crate graph, what it is and its store path.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::AppState;
use crate::backend::emit;
use crate::backend::plan::PackageSource;

use super::{dim, pane_block, title_style, unit_status};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let block = pane_block(false).title(Line::styled(" Details ", title_style()));
    let value_width = usize::from(block.inner(area).width).saturating_sub(LABEL_WIDTH);
    let Some(unit) = state.selected_unit() else {
        let lines = state.selected_other().map_or_else(Vec::new, |other| {
            vec![
                field("name", other.name.clone()),
                field("kind", other.kind.label().to_owned()),
                field("status", unit_status::describe_other(other, state.now)),
                field("path", fit_store_path(&other.path, value_width)),
            ]
        });
        frame.render_widget(Paragraph::new(lines).block(block), area);
        return;
    };
    let mut lines = Vec::new();
    if let Some((unit_plan, package)) = state.unit_info(unit) {
        let source = match &package.source {
            PackageSource::Registry { .. } => "registry".to_owned(),
            PackageSource::Path => "path".to_owned(),
            PackageSource::Git { url } => format!("git {url}"),
        };
        let features = if unit_plan.features.is_empty() {
            "(none)".to_owned()
        } else {
            unit_plan.features.join(", ")
        };
        lines.push(field(
            "package",
            format!("{} {} ({source})", package.name, package.version),
        ));
        lines.push(field("kind", unit_plan.kind.label().to_owned()));
        lines.push(field("target", unit_plan.target_name.clone()));
        lines.push(field("features", features));
    }
    if let Some(unit_state) = state.unit_state(unit) {
        let unknown = || "(not evaluated yet)".to_owned();
        for (name, path) in [("drv", &unit_state.drv_path), ("out", &unit_state.out_path)] {
            let shown = path
                .as_deref()
                .map_or_else(unknown, |path| fit_store_path(path, value_width));
            lines.push(field(name, shown));
        }
        if let Some(phase) = &unit_state.phase {
            lines.push(field("phase", phase.clone()));
        }
    }
    lines.push(Line::styled("Cargo.dependencies.nix", title_style()));
    lines.extend(entry_lines(state));
    // Longest last: they wrap, and the pane may cut them.
    if let Some(plan) = state.plan() {
        let env: Vec<String> = emit::unit_env(plan, unit)
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        lines.push(field("env", env.join(" ")));
        if let Some(command) = emit::rustc_command(plan, unit) {
            lines.push(field("rustc", command.join(" ")));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

const LABEL_WIDTH: usize = 9;

fn field(name: &'static str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            format!("{name:<LABEL_WIDTH$}"),
            Style::new().fg(Color::Cyan),
        ),
        Span::raw(value),
    ])
}

/// A store path that fits `width`, by shortening its hash: the name says more.
fn fit_store_path(path: &str, width: usize) -> String {
    const KEPT_HASH_CHARS: usize = 8;
    if path.chars().count() <= width {
        return path.to_owned();
    }
    let Some((hash, name)) = path
        .strip_prefix("/nix/store/")
        .and_then(|rest| rest.split_once('-'))
    else {
        return path.to_owned();
    };
    match hash.get(..KEPT_HASH_CHARS) {
        Some(kept) if hash.len() > KEPT_HASH_CHARS => format!("/nix/store/{kept}…-{name}"),
        _ => path.to_owned(),
    }
}

/// The selected crate's entry, indented, or a word on why there is none to show.
pub fn entry_lines(state: &AppState) -> Vec<Line<'static>> {
    let crate_name = state
        .editor
        .as_ref()
        .map(|editor| editor.crate_name.clone())
        .or_else(|| {
            let unit = state.selected_unit()?;
            Some(state.unit_info(unit)?.1.name.clone())
        });
    let entry = state
        .deps_entry
        .as_ref()
        .filter(|entry| Some(&entry.crate_name) == crate_name.as_ref());
    match entry.and_then(|entry| entry.text.as_deref()) {
        None => vec![Line::styled("  loading…", dim())],
        Some(text) if text.trim().is_empty() => {
            vec![Line::styled("  (no entry for this crate)", dim())]
        }
        Some(text) => text
            .lines()
            .map(|line| Line::raw(format!("  {line}")))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::fit_store_path;

    #[test]
    fn long_store_paths_lose_hash_characters_first() {
        let path = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-serde-1.0.228.drv";
        assert_eq!(fit_store_path(path, 80), path);
        assert_eq!(
            fit_store_path(path, 40),
            "/nix/store/01234567…-serde-1.0.228.drv"
        );
        assert_eq!(fit_store_path("/nix/store/ü-x", 3), "/nix/store/ü-x");
    }
}
