//! [`Effect::RecordBuild`](crate::app::Effect::RecordBuild): what `libnix-tui doctor` reads.

use crate::backend::last_build::LastBuild;

use super::{Shell, lock};

impl Shell {
    pub(super) fn record_build(&self, record: LastBuild) {
        if let Some(plan) = lock(&self.last_plan).clone() {
            let _ = record.save(&plan);
        }
    }
}
