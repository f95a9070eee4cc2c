//! Progress on stderr: a live spinner with what is still waiting on a terminal, plain
//! lines (at most one waiting line every five seconds) otherwise.

use crate::sync::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct StderrProgress {
    bar: Option<ProgressBar>,
    last_line: Mutex<Option<Instant>>,
}

impl StderrProgress {
    pub fn new() -> StderrProgress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        StderrProgress {
            bar,
            last_line: Mutex::new(None),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Default for StderrProgress {
    fn default() -> Self {
        StderrProgress::new()
    }
}

impl Progress for StderrProgress {
    fn line(&self, message: &str) {
        match &self.bar {
            Some(b) => b.println(message),
            None => eprintln!("{message}"),
        }
    }

    fn waiting(&self, done: usize, total: usize, pending: &[String]) {
        let first = pending.first().map(String::as_str).unwrap_or("");
        let msg = if pending.is_empty() {
            format!("{done}/{total} healthy")
        } else {
            format!(
                "{done}/{total} healthy; waiting for {first}{}",
                if pending.len() > 1 {
                    format!(" and {} more", pending.len() - 1)
                } else {
                    String::new()
                }
            )
        };
        match &self.bar {
            Some(b) => b.set_message(msg),
            None => {
                let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
                if pending.is_empty() || last.is_none_or(|t| t.elapsed() >= Duration::from_secs(5))
                {
                    eprintln!("{msg}");
                    *last = Some(Instant::now());
                }
            }
        }
    }
}
