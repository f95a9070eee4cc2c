//! The fault suite's table: per fault, how many were injected, the runs, the re-runs
//! that converged and the objects wrongly deleted.

use std::time::Duration;

#[derive(Default)]
pub(super) struct Row {
    pub(super) fault: String,
    pub(super) injected: u32,
    pub(super) runs: u32,
    pub(super) converged: u32,
    pub(super) wrongly_deleted: u32,
    pub(super) failures: Vec<String>,
    pub(super) elapsed: Duration,
}

impl Row {
    pub(super) fn new(fault: &str) -> Row {
        Row {
            fault: fault.into(),
            ..Row::default()
        }
    }
    pub(super) fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }
}

pub(super) fn table(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<52} {:>8} {:>5} {:>9} {:>15} {:>7}\n",
        "fault", "injected", "runs", "converged", "wrongly deleted", "time"
    );
    let mut total = Row::new("total");
    for r in rows {
        s.push_str(&format!(
            "{:<52} {:>8} {:>5} {:>9} {:>15} {:>6.1}s{}\n",
            r.fault,
            r.injected,
            r.runs,
            r.converged,
            r.wrongly_deleted,
            r.elapsed.as_secs_f64(),
            if r.failures.is_empty() {
                ""
            } else {
                "  FAILED"
            }
        ));
        total.injected += r.injected;
        total.runs += r.runs;
        total.converged += r.converged;
        total.wrongly_deleted += r.wrongly_deleted;
        total.elapsed += r.elapsed;
    }
    s.push_str(&format!(
        "{:<52} {:>8} {:>5} {:>9} {:>15} {:>6.1}s\n",
        total.fault,
        total.injected,
        total.runs,
        total.converged,
        total.wrongly_deleted,
        total.elapsed.as_secs_f64()
    ));
    s.push_str(
        "runs: kubectl-gitops invocations (faulted, re-runs, diffs); converged: faults after \
         which the re-run (sync --prune, then diff) exited 0, or the watch healed; wrongly \
         deleted: objects Git holds, or bystanders, found deleted after a fault\n",
    );
    s
}
