//! `target/libnix/timings.html`: a build's [`Timeline`] as one self-contained page (inline
//! CSS and SVG, no scripts, no external assets), like `cargo build --timings`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use html_escape::encode_text;

use super::timings::{Outcome, Timeline};
use crate::backend::layout::{GENERATED_MARKER, Layout};

const CHART_WIDTH: f64 = 1000.0;
const ROW_HEIGHT: f64 = 16.0;
const LABEL_WIDTH: f64 = 260.0;
const CONCURRENCY_HEIGHT: f64 = 120.0;

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px}
td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.critical td{font-weight:bold}
svg{font-size:11px}
.built{fill:#4a9e4a}.substituted{fill:#3b7dd8}.failed{fill:#d33}
.interrupted{fill:#e0a030}.running{fill:#9b59b6}.queued{fill:#e4e4e4}
.critical{stroke:#b00;stroke-width:2}
.legend span{display:inline-block;padding:1px 6px;margin-right:6px;color:#fff}";

#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct TimingsHtmlError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// Writes the page for `timeline` to `target/libnix/timings.html` and returns its path.
/// The page is written whole to a temporary file first, then renamed over the old one.
pub fn write(
    timeline: &Timeline,
    target_dir: &Path,
    title: &str,
) -> Result<PathBuf, TimingsHtmlError> {
    let layout = Layout::new(target_dir);
    let path = layout.timings_html();
    let io = |source| TimingsHtmlError {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(layout.libnix_dir()).map_err(io)?;
    let partial = path.with_extension("html.partial");
    std::fs::write(&partial, render(timeline, title)).map_err(io)?;
    std::fs::rename(&partial, &path).map_err(io)?;
    Ok(path)
}

/// The whole page.
pub fn render(timeline: &Timeline, title: &str) -> String {
    let title = encode_text(title);
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<!-- {GENERATED_MARKER} -->\n<html><head><meta charset=\"utf-8\">\
         <title>Build timings: {title}</title><style>{STYLE}</style></head><body>\n\
         <h1>Build timings: {title}</h1>\n"
    );
    let _ = writeln!(
        page,
        "<p>{}</p>\n<p>{} units; at most {} at once.</p>",
        encode_text(&timeline.summary()),
        timeline.units.len(),
        timeline.max_concurrency()
    );
    page.push_str(
        "<p class=\"legend\"><span style=\"background:#4a9e4a\">built</span>\
         <span style=\"background:#3b7dd8\">substituted</span>\
         <span style=\"background:#d33\">failed</span>\
         <span style=\"background:#e0a030\">interrupted</span>\
         <span style=\"background:#bbb\">waiting for dependencies</span>\
         <span style=\"background:#fff;color:#b00;border:2px solid #b00\">critical path</span>\
         Cached units took no time and are listed in the table only.</p>\n",
    );
    page.push_str("<h2>Units over time</h2>\n");
    gantt(&mut page, timeline);
    page.push_str("<h2>Concurrency</h2>\n");
    concurrency(&mut page, timeline);
    page.push_str("<h2>Units</h2>\n");
    table(&mut page, timeline);
    page.push_str("</body></html>\n");
    page
}

fn scale(timeline: &Timeline) -> f64 {
    CHART_WIDTH / timeline.total.max(0.001)
}

fn gantt(page: &mut String, timeline: &Timeline) {
    let scale = scale(timeline);
    let rows = timeline.ran_by_start();
    let height = ROW_HEIGHT * (rows.len() as f64 + 1.0);
    let _ = writeln!(
        page,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\">",
        LABEL_WIDTH + CHART_WIDTH + 60.0
    );
    for (row, (id, unit)) in rows.iter().enumerate() {
        let y = ROW_HEIGHT * row as f64;
        let started = unit.started.unwrap_or_default();
        let end = unit.end(timeline.total).unwrap_or(started);
        let critical = if timeline.is_on_critical_path(*id) {
            " critical"
        } else {
            ""
        };
        let _ = writeln!(
            page,
            "<text x=\"0\" y=\"{}\">{}</text>\
             <rect class=\"queued\" x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{}\"/>\
             <rect class=\"{}{critical}\" x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{}\">\
             <title>{} {}: {:.2} s</title></rect>\
             <text x=\"{:.1}\" y=\"{}\">{:.1}s</text>",
            y + ROW_HEIGHT - 4.0,
            encode_text(&format!("{} v{}", unit.label(), unit.version)),
            LABEL_WIDTH + unit.queued * scale,
            y + 2.0,
            (started - unit.queued).max(0.0) * scale,
            ROW_HEIGHT - 4.0,
            unit.outcome.label(),
            LABEL_WIDTH + started * scale,
            y + 2.0,
            ((end - started) * scale).max(1.0),
            ROW_HEIGHT - 4.0,
            encode_text(&unit.label()),
            unit.outcome.label(),
            end - started,
            LABEL_WIDTH + end * scale + 4.0,
            y + ROW_HEIGHT - 4.0,
            end - started,
        );
    }
    axis(page, ROW_HEIGHT * rows.len() as f64, timeline);
    page.push_str("</svg>\n");
}

/// Tick marks in seconds below a chart whose bottom is at `y`.
fn axis(page: &mut String, y: f64, timeline: &Timeline) {
    let scale = scale(timeline);
    let step = [
        0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    ]
    .into_iter()
    .find(|step| timeline.total / step <= 12.0)
    .unwrap_or(1200.0);
    let ticks = (timeline.total / step).floor() as usize;
    for tick in 0..=ticks {
        let seconds = step * tick as f64;
        let _ = write!(
            page,
            "<text x=\"{:.1}\" y=\"{}\">{seconds}s</text>",
            LABEL_WIDTH + seconds * scale,
            y + ROW_HEIGHT - 4.0
        );
    }
}

fn concurrency(page: &mut String, timeline: &Timeline) {
    let scale = scale(timeline);
    let steps = timeline.concurrency();
    let most = timeline.max_concurrency().max(1) as f64;
    let y_of =
        |count: usize| CONCURRENCY_HEIGHT - count as f64 / most * (CONCURRENCY_HEIGHT - 10.0);
    let mut points = format!("{LABEL_WIDTH},{CONCURRENCY_HEIGHT}");
    let mut running = 0;
    for (time, count) in steps {
        let x = LABEL_WIDTH + time * scale;
        let _ = write!(
            points,
            " {x:.1},{:.1} {x:.1},{:.1}",
            y_of(running),
            y_of(count)
        );
        running = count;
    }
    let _ = writeln!(
        page,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\">\
         <text x=\"0\" y=\"14\">units running (at most {})</text>\
         <polyline points=\"{points}\" fill=\"none\" stroke=\"#3b7dd8\" stroke-width=\"2\"/>",
        LABEL_WIDTH + CHART_WIDTH + 60.0,
        CONCURRENCY_HEIGHT + ROW_HEIGHT,
        timeline.max_concurrency()
    );
    axis(page, CONCURRENCY_HEIGHT, timeline);
    page.push_str("</svg>\n");
}

fn table(page: &mut String, timeline: &Timeline) {
    page.push_str(
        "<table><tr><th>unit</th><th>version</th><th>state</th><th>queued (s)</th>\
         <th>start (s)</th><th>end (s)</th><th>duration (s)</th><th>critical path</th></tr>\n",
    );
    let seconds = |time: Option<f64>| time.map_or(String::new(), |t| format!("{t:.2}"));
    for (id, unit) in timeline.units.iter().enumerate() {
        let critical = timeline.is_on_critical_path(id);
        let state = match &unit.outcome {
            Outcome::Substituted { from } => format!("substituted from {from}"),
            outcome => outcome.label().to_string(),
        };
        let _ = writeln!(
            page,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td>\
             <td>{}</td></tr>",
            if critical { " class=\"critical\"" } else { "" },
            encode_text(&unit.label()),
            encode_text(&unit.version),
            encode_text(&state),
            unit.queued,
            seconds(unit.started),
            seconds(unit.finished),
            unit.duration(timeline.total),
            if critical { "yes" } else { "" },
        );
    }
    page.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::insight::timings::UnitTiming;
    use crate::backend::plan::UnitKind;

    fn timing(
        package: &str,
        outcome: Outcome,
        times: Option<(f64, f64)>,
        deps: &[usize],
    ) -> UnitTiming {
        UnitTiming {
            package: package.into(),
            version: "1.0.0".into(),
            kind: UnitKind::Lib,
            outcome,
            queued: 0.0,
            started: times.map(|t| t.0),
            finished: times.map(|t| t.1),
            deps: deps.to_vec(),
        }
    }

    #[test]
    fn the_page_lists_every_unit_and_marks_the_critical_path() {
        let timeline = Timeline::new(
            vec![
                timing("cached-dep", Outcome::Cached, None, &[]),
                timing(
                    "fetched",
                    Outcome::Substituted {
                        from: "http://127.0.0.1:8080?a&b".into(),
                    },
                    Some((0.0, 0.5)),
                    &[],
                ),
                timing("slow<lib>", Outcome::Built, Some((0.5, 4.0)), &[0, 1]),
            ],
            4.2,
        );
        let page = render(&timeline, "app");
        for needle in [
            "cached-dep",
            "substituted from http://127.0.0.1:8080?a&amp;b",
            "slow&lt;lib&gt;",
            "critical path 4.0 s of 4.2 s: slow&lt;lib&gt; &lt;- fetched",
            "<polyline",
            "class=\"built critical\"",
        ] {
            assert!(page.contains(needle), "{needle} missing from {page}");
        }
        assert!(!page.contains("slow<lib>"));
        assert!(!page.contains("src=") && !page.contains("href="));
    }

    #[test]
    fn writing_replaces_the_page_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let timeline = Timeline::new(
            vec![timing("a", Outcome::Built, Some((0.0, 1.0)), &[])],
            1.0,
        );
        let path = write(&timeline, dir.path(), "a").expect("written");
        assert_eq!(path, dir.path().join("libnix/timings.html"));
        let page = std::fs::read_to_string(&path).expect("readable");
        assert!(page.contains(GENERATED_MARKER));
        assert!(!path.with_extension("html.partial").exists());
    }
}
