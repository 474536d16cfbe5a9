//! Every keyboard shortcut, in one table that both the key handling and the
//! sheet (F1) read, so that the two cannot drift apart.

use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};

use super::theme::palette;

/// A move of the selection in a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Nav {
    /// The row the selection moves to among `len` rows from `current`,
    /// `page` rows to a page; `None` when there are no rows.
    pub fn target(self, current: Option<usize>, len: usize, page: usize) -> Option<usize> {
        let last = len.checked_sub(1)?;
        let page = page.max(1);
        Some(match (self, current) {
            (Nav::Home, _) => 0,
            (Nav::End, _) => last,
            (Nav::Down | Nav::PageDown, None) => 0,
            (Nav::Up | Nav::PageUp, None) => last,
            (Nav::Down, Some(i)) => i.saturating_add(1).min(last),
            (Nav::Up, Some(i)) => i.saturating_sub(1).min(last),
            (Nav::PageDown, Some(i)) => i.saturating_add(page).min(last),
            (Nav::PageUp, Some(i)) => i.saturating_sub(page).min(last),
        })
    }
}

/// What a shortcut asks of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Nav(Nav),
    /// The selected row's detail, or the selected entity's history.
    Open,
    /// Closes what is open, else clears the search, else leaves it.
    Back,
    Find,
    ClearSession,
    OpenFiles,
    Export,
    /// The view at this index of the view tabs.
    View(usize),
    NextTab,
    PreviousTab,
    ZoomIn,
    ZoomOut,
    ZoomReset,
    Pause,
    TogglePin,
    EditNote,
    Columns,
    Help,
}

/// When a shortcut may fire: the keys that typing or a focused button
/// uses stay theirs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    Always,
    /// Not while a text field has the keyboard (plain characters).
    NotTyping,
    /// Not while any widget has the keyboard (arrows, Enter, Space).
    NothingFocused,
}

pub struct Shortcut {
    pub group: &'static str,
    /// Any of these; the first is the one menus show.
    pub keys: &'static [KeyboardShortcut],
    pub does: &'static str,
    pub command: Command,
    when: When,
}

const fn plain(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, key)
}

const fn ctrl(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, key)
}

const fn ctrl_shift(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(
        Modifiers {
            shift: true,
            ..Modifiers::COMMAND
        },
        key,
    )
}

pub const FIND: KeyboardShortcut = ctrl(Key::F);
pub const OPEN: KeyboardShortcut = ctrl(Key::O);
pub const EXPORT: KeyboardShortcut = ctrl(Key::S);
pub const CLEAR: KeyboardShortcut = ctrl(Key::L);
pub const HELP: KeyboardShortcut = plain(Key::F1);
pub const PAUSE: KeyboardShortcut = plain(Key::Space);
pub const TOGGLE_PIN: KeyboardShortcut = ctrl(Key::D);
pub const EDIT_NOTE: KeyboardShortcut = ctrl_shift(Key::D);
pub const COLUMNS: KeyboardShortcut = ctrl_shift(Key::K);

const fn entry(
    group: &'static str,
    keys: &'static [KeyboardShortcut],
    does: &'static str,
    command: Command,
    when: When,
) -> Shortcut {
    Shortcut {
        group,
        keys,
        does,
        command,
        when,
    }
}

const TABLES: &str = "Tables";
const WINDOW: &str = "Window";
const SESSION: &str = "Session";

/// Matched in order, so a shortcut with Shift comes before the same one
/// without (egui ignores an extra Shift).
pub const SHORTCUTS: &[Shortcut] = &[
    entry(
        TABLES,
        &[plain(Key::ArrowUp)],
        "Select the row above",
        Command::Nav(Nav::Up),
        When::NothingFocused,
    ),
    entry(
        TABLES,
        &[plain(Key::ArrowDown)],
        "Select the row below",
        Command::Nav(Nav::Down),
        When::NothingFocused,
    ),
    entry(
        TABLES,
        &[plain(Key::PageUp)],
        "Up a page",
        Command::Nav(Nav::PageUp),
        When::NothingFocused,
    ),
    entry(
        TABLES,
        &[plain(Key::PageDown)],
        "Down a page",
        Command::Nav(Nav::PageDown),
        When::NothingFocused,
    ),
    entry(
        TABLES,
        &[plain(Key::Home)],
        "Select the first row",
        Command::Nav(Nav::Home),
        When::NothingFocused,
    ),
    entry(
        TABLES,
        &[plain(Key::End)],
        "Select the last row",
        Command::Nav(Nav::End),
        When::NothingFocused,
    ),
    entry(
        TABLES,
        &[plain(Key::Enter)],
        "Open the selected row: the event's detail, the entity's history",
        Command::Open,
        When::NothingFocused,
    ),
    entry(
        TABLES,
        &[plain(Key::Escape)],
        "Back: close the dialog or sheet, else clear the search, else leave the search box",
        Command::Back,
        When::Always,
    ),
    entry(
        SESSION,
        &[FIND],
        "Search the events",
        Command::Find,
        When::Always,
    ),
    entry(
        SESSION,
        &[PAUSE],
        "Pause or resume the events table (capture goes on)",
        Command::Pause,
        When::NothingFocused,
    ),
    entry(
        SESSION,
        &[EDIT_NOTE],
        "Write a note on the selected capture",
        Command::EditNote,
        When::Always,
    ),
    entry(
        SESSION,
        &[TOGGLE_PIN],
        "Pin or unpin the selected capture",
        Command::TogglePin,
        When::Always,
    ),
    entry(
        SESSION,
        &[COLUMNS],
        "Add or remove your own table columns",
        Command::Columns,
        When::Always,
    ),
    entry(
        SESSION,
        &[CLEAR],
        "Clear the session (asks first)",
        Command::ClearSession,
        When::Always,
    ),
    entry(
        SESSION,
        &[OPEN],
        "Open files",
        Command::OpenFiles,
        When::Always,
    ),
    entry(
        SESSION,
        &[EXPORT],
        "Export the session",
        Command::Export,
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl(Key::Num1)],
        "Events view",
        Command::View(0),
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl(Key::Num2)],
        "Entities view",
        Command::View(1),
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl(Key::Num3)],
        "Overview",
        Command::View(2),
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl(Key::Num4)],
        "Send view",
        Command::View(3),
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl_shift(Key::Tab)],
        "Previous tab of the detail",
        Command::PreviousTab,
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl(Key::Tab)],
        "Next tab of the detail",
        Command::NextTab,
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl(Key::Plus), ctrl(Key::Equals)],
        "Zoom in",
        Command::ZoomIn,
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl(Key::Minus)],
        "Zoom out",
        Command::ZoomOut,
        When::Always,
    ),
    entry(
        WINDOW,
        &[ctrl(Key::Num0)],
        "Zoom back to 100%",
        Command::ZoomReset,
        When::Always,
    ),
    entry(
        WINDOW,
        &[HELP],
        "Show or hide this sheet",
        Command::Help,
        When::Always,
    ),
    entry(
        WINDOW,
        &[plain(Key::Questionmark)],
        "This sheet, when not typing",
        Command::Help,
        When::NotTyping,
    ),
];

/// The commands the keys pressed this frame ask for; their key presses are
/// consumed, so no widget sees them too.
pub fn pressed(ctx: &egui::Context) -> Vec<Command> {
    let typing = ctx.text_edit_focused();
    let focused = ctx.egui_wants_keyboard_input();
    ctx.input_mut(|input| {
        SHORTCUTS
            .iter()
            .filter(|s| match s.when {
                When::Always => true,
                When::NotTyping => !typing,
                When::NothingFocused => !focused,
            })
            .filter(|s| s.keys.iter().any(|k| input.consume_shortcut(k)))
            .map(|s| s.command)
            .collect()
    })
}

/// How the sheet writes a shortcut: "Ctrl+Shift+Tab", "?", "Page Down".
pub fn keys_text(shortcut: &KeyboardShortcut) -> String {
    let m = shortcut.modifiers;
    let mut text = String::new();
    if m.command || m.ctrl || m.mac_cmd {
        text.push_str("Ctrl+");
    }
    if m.alt {
        text.push_str("Alt+");
    }
    if m.shift {
        text.push_str("Shift+");
    }
    text.push_str(match shortcut.logical_key {
        Key::Questionmark => "?",
        Key::Plus => "+",
        Key::Minus => "-",
        Key::Equals => "=",
        Key::ArrowUp => "Up",
        Key::ArrowDown => "Down",
        Key::PageUp => "Page Up",
        Key::PageDown => "Page Down",
        Key::Escape => "Esc",
        key => key.name(),
    });
    text
}

/// The shortcuts of `command`, as the sheet writes them.
pub fn text_of(command: Command) -> String {
    SHORTCUTS
        .iter()
        .filter(|s| s.command == command)
        .flat_map(|s| s.keys.iter().map(keys_text))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The sheet: every shortcut, grouped, read from [`SHORTCUTS`]. Returns
/// true when the user closes it.
pub fn sheet(ctx: &egui::Context) -> bool {
    let mut close = false;
    egui::Modal::new(egui::Id::unique("shortcuts")).show(ctx, |ui: &mut Ui| {
        ui.heading("Keyboard shortcuts");
        let muted = palette(ui).muted;
        // Two columns, scrolled when the window is too short even so.
        let height = (ctx.content_rect().height() - 160.0).max(120.0);
        egui::ScrollArea::vertical()
            .max_height(height)
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    for column in [&[TABLES, SESSION][..], &[WINDOW][..]] {
                        ui.vertical(|ui| {
                            ui.set_width(440.0);
                            for &group in column {
                                group_grid(ui, group, muted);
                            }
                        });
                    }
                });
            });
        ui.add_space(8.0);
        ui.label(
            RichText::new(
                "Tab and Shift+Tab move between buttons and fields; Enter or Space presses \
                 the focused button, and opens a focused menu.",
            )
            .color(muted),
        );
        ui.add_space(6.0);
        if ui.button("Close").clicked() {
            close = true;
        }
    });
    close
}

fn group_grid(ui: &mut Ui, group: &str, muted: egui::Color32) {
    ui.add_space(8.0);
    ui.label(RichText::new(group).strong().color(muted));
    egui::Grid::new(("shortcuts", group))
        .num_columns(2)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for shortcut in SHORTCUTS.iter().filter(|s| s.group == group) {
                let keys: Vec<String> = shortcut.keys.iter().map(keys_text).collect();
                ui.label(RichText::new(keys.join(" or ")).monospace().strong());
                ui.add(egui::Label::new(shortcut.does).wrap());
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_stay_within_the_rows() {
        assert_eq!(Nav::Down.target(None, 5, 3), Some(0));
        assert_eq!(Nav::Up.target(None, 5, 3), Some(4));
        assert_eq!(Nav::Down.target(Some(4), 5, 3), Some(4));
        assert_eq!(Nav::Up.target(Some(0), 5, 3), Some(0));
        assert_eq!(Nav::PageDown.target(Some(1), 5, 3), Some(4));
        assert_eq!(Nav::PageUp.target(Some(4), 5, 3), Some(1));
        assert_eq!(Nav::PageUp.target(Some(2), 5, 3), Some(0));
        assert_eq!(Nav::Home.target(Some(3), 5, 3), Some(0));
        assert_eq!(Nav::End.target(Some(0), 5, 3), Some(4));
        assert_eq!(Nav::Down.target(Some(9), 5, 3), Some(4), "a stale row");
        assert_eq!(Nav::End.target(None, 0, 3), None);
    }

    #[test]
    fn the_sheet_writes_keys_as_a_user_types_them() {
        assert_eq!(keys_text(&ctrl_shift(Key::Tab)), "Ctrl+Shift+Tab");
        assert_eq!(keys_text(&plain(Key::Questionmark)), "?");
        assert_eq!(keys_text(&FIND), "Ctrl+F");
        assert_eq!(text_of(Command::ZoomIn), "Ctrl++ or Ctrl+=");
        assert_eq!(text_of(Command::Help), "F1 or ?");
    }

    #[test]
    fn no_two_entries_share_a_key() {
        let all: Vec<_> = SHORTCUTS.iter().flat_map(|s| s.keys.iter()).collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert!(a != b, "{} is bound twice", keys_text(a));
            }
        }
    }
}
