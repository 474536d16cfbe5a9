//! Redacted exports in the window: the export choice, the policy editor and
//! the preview, one at a time, in a modal. The redaction itself runs on a
//! worker (`FileWork::redact`); its result is kept for the export that
//! follows, so the file holds exactly what the preview showed.

use std::sync::Arc;

use crate::redact::{Options, Policy, PolicyError};

use super::files::{ExportKind, ExportScope, RedactedRun};
use super::{export_choice, policy_editor, redact_preview};

/// What the user asked for in one of the redaction modals.
#[derive(Debug)]
pub enum Step {
    /// Export as is: ask where to write it.
    Export {
        kind: ExportKind,
        scope: ExportScope,
    },
    /// The "Redact personal data" box changed.
    RedactExports(bool),
    /// Open the policy editor (back to the export choice, if one is open).
    EditPolicy,
    SavePolicy {
        text: String,
        options: Options,
    },
    /// Leave the editor without saving.
    CloseEditor,
    /// Redact on a worker, then show what was replaced.
    Preview {
        kind: Option<ExportKind>,
        scope: ExportScope,
    },
    /// Ask where to write the previewed result.
    ExportPreviewed(ExportKind),
    Close,
}

/// "Export session…" or "Export HAR…", before the file is chosen.
#[derive(Clone, Debug)]
pub struct Choice {
    pub kind: ExportKind,
    pub scope: ExportScope,
    /// Captures the export holds, as the choice opened.
    pub captures: usize,
    /// Requests hookscope sent, all written with a whole session.
    pub sent: usize,
}

pub struct Editor {
    pub text: String,
    pub parsed: Result<Policy, PolicyError>,
    pub options: Options,
    /// The export choice to go back to.
    pub back: Option<Choice>,
}

impl Editor {
    pub fn new(text: &str, options: Options, back: Option<Choice>) -> Self {
        Self {
            text: text.to_owned(),
            parsed: Policy::parse(text),
            options,
            back,
        }
    }

    pub fn set_text(&mut self, text: &str) {
        text.clone_into(&mut self.text);
        self.reparse();
    }

    pub fn reparse(&mut self) {
        self.parsed = Policy::parse(&self.text);
    }
}

pub enum Stage {
    Choice(Choice),
    Editor(Editor),
    Preview(Arc<RedactedRun>),
}

/// What the modals show of the policy in use.
#[derive(Clone, Copy, Debug)]
pub struct PolicySummary {
    pub rules: usize,
    pub default: bool,
    pub redact_exports: bool,
}

impl PolicySummary {
    /// "the default policy, 27 rules".
    pub fn describe(&self) -> String {
        let which = if self.default { "the default" } else { "your" };
        format!("{which} policy, {}", rules(self.rules))
    }
}

pub fn rules(n: usize) -> String {
    match n {
        1 => "1 rule".to_owned(),
        n => format!("{} rules", crate::human::count(n)),
    }
}

/// Draws the open stage, if any.
pub fn show(
    ctx: &egui::Context,
    stage: &mut Stage,
    summary: PolicySummary,
    actions: &mut Vec<super::Action>,
) {
    let mut steps = Vec::new();
    match stage {
        Stage::Choice(choice) => export_choice::show(ctx, choice, summary, &mut steps),
        Stage::Editor(editor) => policy_editor::show(ctx, editor, &mut steps),
        Stage::Preview(run) => redact_preview::show(ctx, run, &mut steps),
    }
    actions.extend(steps.into_iter().map(super::Action::Redaction));
}
