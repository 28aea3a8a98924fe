//! The process's exit status, with redis-cli's meanings: 0 when the run did
//! what was asked, 1 when it could not (bad options, no connection, an
//! error reply under `-e`, a failed authentication).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Failure,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => std::process::ExitCode::SUCCESS,
            ExitStatus::Failure => std::process::ExitCode::from(1),
        }
    }
}
