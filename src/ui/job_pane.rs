//! The job pane: the job's fields, grouped as the domain describes them.

use egui::{RichText, Ui};
use serde_json::Value;

use crate::hs::{fields::Section, job, lenient};

use super::fields_view;

/// Derived once per selection, not per frame.
pub struct JobView {
    title: String,
    reference: Option<String>,
    sections: Vec<Section>,
}

impl JobView {
    pub fn new(data: &Value) -> Self {
        Self {
            title: lenient::get_text(data, "job_title").unwrap_or_default(),
            reference: lenient::get_text(data, "job_reference").filter(|r| !r.is_empty()),
            sections: job::sections(data),
        }
    }
}

pub fn show(ui: &mut Ui, view: &JobView) {
    ui.horizontal_wrapped(|ui| {
        let title = if view.title.is_empty() {
            "Untitled job"
        } else {
            &view.title
        };
        ui.label(RichText::new(title).heading().strong());
        if let Some(reference) = &view.reference {
            ui.label(RichText::new(reference).monospace());
        }
    });
    fields_view::sections(ui, "job", &view.sections);
}
