"""The main window: a side list of pages (Model, Data, Train, Playground, Runs), menus,
shortcuts, and settings remembered between sessions."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from . import __version__
from .glossary import TERMS
from .project import Project
from .settings import settings
from .workers import DeviceInfo, DeviceProbe

PAGES = ("Model", "Data", "Train", "Playground", "Runs")
AUTOSAVE_KEY = "project/autosave"  # the project as the window left it (JSON), restored when it opens
RECENT_KEY = "project/recent"  # project files opened or saved, newest first
RECENT_MAX = 8
PAGE_TIPS = {
    "Model": "Sizes of the ALBERT and what they cost in parameters and memory",
    "Data": "Training data: preview, column roles, labels and problems",
    "Train": "Hyper-parameters, start/stop/resume, live curves",
    "Playground": "Type text and see what a trained model predicts",
    "Runs": "Every run so far: status, metrics, curves",
}


class MainWindow(QMainWindow):
    """Pages are built right after the first paint when `lazy` is set, so the window shows
    at once and the heavier plotting code loads a moment later."""

    first_painted = Signal()
    pages_built = Signal()

    def __init__(self, project: Project | None = None, probe_devices: bool = True, lazy: bool = False):
        super().__init__()
        self.setWindowTitle("ALBERT Studio")
        self.project = project or Project(parent=self)
        self.devices = DeviceProbe(self)
        self.devices.found.connect(self._on_devices_found)
        self.pages: dict[str, QWidget] = {}
        self._painted = False
        self._building = False
        self.restore_note = ""  # how the project was restored at start, when that needs saying
        self._finetune_from = ""  # a pre-trained run the next run starts from, until a labelled file is chosen
        self.project.data_changed.connect(self._on_data_chosen)
        for signal in (self.project.spec_changed, self.project.data_changed, self.project.training_changed,
                       self.project.loaded, self.project.saved_to):  # fmt: skip
            signal.connect(self._show_title)

        self.nav = QListWidget()
        self.nav.setFixedWidth(132)
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setSpacing(2)
        for name in PAGES:
            item = QListWidgetItem(name)
            item.setToolTip(PAGE_TIPS[name])
            item.setSizeHint(QSize(120, 34))
            self.nav.addItem(item)
        self.stack = QStackedWidget()
        for name in PAGES:
            placeholder = QLabel(f"Opening {name}…")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.stack.addWidget(placeholder)
        self.nav.currentRowChanged.connect(self._on_nav_row_changed)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Ready")
        self._build_menus()
        self._restore_settings()
        self._show_title()
        if not lazy:
            self.build_pages()
        if probe_devices:
            self.devices.start()

    # -- pages --------------------------------------------------------------------------------
    def build_pages(self) -> None:
        """Create every page now (idempotent)."""
        for _ in self._page_builder():
            pass

    def build_pages_soon(self) -> None:
        """Create the pages one per turn of the event loop, the visible one first, so the
        window keeps painting while the plotting code loads."""
        builder = self._page_builder()
        timer = QTimer(self)
        timer.setInterval(0)

        def step() -> None:
            if next(builder, None) is None:
                timer.stop()
                timer.deleteLater()

        timer.timeout.connect(step)
        timer.start()

    def _page_builder(self):
        if self.pages or self._building:
            return
        self._building = True
        from .theme import apply_pyqtgraph_defaults

        apply_pyqtgraph_defaults()
        yield
        factories = {
            "Model": self._make_model_page,
            "Data": self._make_data_page,
            "Train": self._make_train_page,
            "Playground": self._make_playground_page,
            "Runs": self._make_runs_page,
        }
        current = PAGES[max(self.nav.currentRow(), 0)]
        built: dict[str, QWidget] = {}
        for name in [current] + [n for n in PAGES if n != current]:
            page = factories[name]()
            i = PAGES.index(name)
            old = self.stack.widget(i)
            self.stack.insertWidget(i, page)
            self.stack.removeWidget(old)
            old.deleteLater()
            built[name] = page
            if name == current:
                self.stack.setCurrentIndex(i)
            yield
        self.train_page.run_ended.connect(self._on_run_ended)
        self.train_page.status_changed.connect(self.statusBar().showMessage)
        self.runs_page.playground_requested.connect(self._on_playground_requested)
        self.runs_page.resume_requested.connect(self._on_resume_requested)
        self.train_page.finetune_requested.connect(self._on_finetune_requested)
        self.train_page.playground_requested.connect(self._on_playground_requested)
        self.train_page.corpus_counted.connect(self.data_page.show_corpus_counts)
        self.playground_page.set_runs_source(self.runs_page)
        self.project.loaded.connect(lambda: QTimer.singleShot(0, self._settle))  # after every page has filled it in
        self.data_page.preview_ready.connect(self._settle)
        self.data_page.read_failed.connect(self._settle)
        self.runs_page.runs_changed.connect(self.train_page.forget_deleted_run)
        self.pages = built
        self.stack.setCurrentIndex(max(self.nav.currentRow(), 0))
        if self.devices.info.probed:
            self._on_devices_found(self.devices.info)
        self._building = False
        if self.restore_note:
            self.statusBar().showMessage(self.restore_note)
        if self.train_page.attach_running_run():  # a run kept training while the window was closed
            following = f"Following {self.train_page.run_dir.name}, still training"
            self.statusBar().showMessage(f"{self.restore_note} {following}" if self.restore_note else following)
        self.pages_built.emit()

    def _make_model_page(self) -> QWidget:
        from .pages.model_page import ModelPage

        self.model_page = ModelPage(self.project)
        return self.model_page

    def _make_data_page(self) -> QWidget:
        from .pages.data_page import DataPage

        self.data_page = DataPage(self.project)
        return self.data_page

    def _make_train_page(self) -> QWidget:
        from .pages.train_page import TrainPage

        self.train_page = TrainPage(self.project)
        return self.train_page

    def _make_playground_page(self) -> QWidget:
        from .pages.playground_page import PlaygroundPage

        self.playground_page = PlaygroundPage()
        return self.playground_page

    def _make_runs_page(self) -> QWidget:
        from .pages.runs_page import RunsPage

        self.runs_page = RunsPage()
        return self.runs_page

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(PAGES.index(name))

    def current_page(self) -> str:
        return PAGES[self.nav.currentRow()]

    def _on_nav_row_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        page = self.pages.get(PAGES[row])
        if page is not None and hasattr(page, "page_shown"):
            page.page_shown()

    # -- menus and shortcuts --------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._add_action(file_menu, "Open project…", self._on_open_project, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.recent_menu.setToolTipsVisible(True)  # each one's whole path
        self._add_action(file_menu, "Open sample project", self._on_open_sample)
        file_menu.addSeparator()
        self._add_action(file_menu, "Save project", self._on_save_project, QKeySequence.StandardKey.Save)
        self._add_action(file_menu, "Save project as…", self._on_save_project_as, QKeySequence.StandardKey.SaveAs)
        file_menu.addSeparator()
        self.predict_file_action = self._add_action(file_menu, "Predict a file…", self._on_predict_file, "Ctrl+P")
        file_menu.addSeparator()
        self._add_action(file_menu, "Quit", self.close, QKeySequence.StandardKey.Quit)
        train_menu = self.menuBar().addMenu("&Train")
        self.start_action = self._add_action(train_menu, "Start training", self._on_start_shortcut, "Ctrl+Return")
        self.start_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.stop_action = self._add_action(train_menu, "Stop training", self._on_stop_shortcut, "Ctrl+.")
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # Esc stops on the Train page only
        view_menu = self.menuBar().addMenu("&View")
        for i, name in enumerate(PAGES):
            self._add_action(view_menu, name, lambda checked=False, r=i: self.nav.setCurrentRow(r), f"Ctrl+{i + 1}")
        help_menu = self.menuBar().addMenu("&Help")
        self._add_action(help_menu, "ALBERT terms", self._on_show_terms)
        self._add_action(help_menu, "About", self._on_about)

    def _add_action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _on_predict_file(self) -> None:
        """The Playground's Predict a file…, from the menu: the page shows where the rows go."""
        if not self.pages:
            return
        self.show_page("Playground")
        play = self.playground_page
        if play.file_button.isEnabled():
            play.file_button.click()
        else:
            play.status.setText(
                "Load a model first (choose a run above, or Open model folder…), then predict a file."
                if not play.model_path
                else play.file_button.toolTip()
            )

    def _on_start_shortcut(self) -> None:
        if self.pages:
            self.show_page("Train")
            self.train_page.start()

    def _on_stop_shortcut(self) -> None:
        if self.pages and self.train_page.is_running():
            self.train_page.stop()

    # -- project files ----------------------------------------------------------------------------
    def _settle(self, *_args) -> None:
        """A project just opened is as saved once the pages have filled it in (its data read)."""
        if self.project.settling:
            self.project.settle(done=not self.data_page.is_busy())
            self._show_title()

    def _show_title(self, *_args) -> None:
        """The project's name in the title, marked while it has changes its file does not hold."""
        self.setWindowTitle(f"{self.project.title()}[*] — ALBERT Studio")
        self.setWindowModified(self.project.modified())

    def _on_open_project(self) -> None:
        if not self.keep_changes():
            return
        start = str(Path(self.project.path).parent) if self.project.path else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", start, "ALBERT Studio project (*.albert.json *.json)"
        )
        if path:
            self.open_project(path)

    def open_project(self, path: str) -> bool:
        try:
            self.project.load(path)
        except ValueError as e:
            QMessageBox.warning(self, "Cannot open project", str(e))
            return False
        self._remember(path)
        self.statusBar().showMessage(f"Opened {path}")
        return True

    def _on_save_project(self) -> bool:
        """Save to the project's file; a project with none (the sample) asks where."""
        if not self.project.path:
            return self._on_save_project_as()
        return self.save_project(self.project.path)

    def _on_save_project_as(self) -> bool:
        start = self.project.path or "project.albert.json"
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, "ALBERT Studio project (*.albert.json)")
        if not path:
            return False
        if not path.lower().endswith(".json"):  # "myproj": the Open dialog lists *.albert.json
            path += ".albert.json"
        return self.save_project(path)

    def save_project(self, path: str) -> bool:
        try:
            self.project.save(path)
        except OSError as e:  # a folder without write access, a full disk: the old file is left as it was
            QMessageBox.warning(self, "Cannot save project", f"{path} cannot be written ({e.strerror or e}).")
            return False
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path}")
        return True

    def keep_changes(self) -> bool:
        """Before another project replaces this one: its unsaved changes are saved, let go, or the
        replacing is cancelled (False)."""
        if not self.project.modified():
            return True
        answer = self.ask_about_changes()
        if answer == "save":
            return self._on_save_project()
        return answer == "discard"

    def ask_about_changes(self) -> str:
        """The answer: "save", "discard" or "cancel"."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to {self.project.title()}?")
        box.setInformativeText("Opening another project replaces this one; changes not saved are lost.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel"
        )

    def recent_projects(self) -> list[str]:
        """Project files opened or saved, newest first, those still on disk."""
        value = settings().value(RECENT_KEY, [])
        paths = [value] if isinstance(value, str) else list(value or [])
        return [p for p in paths if p and Path(p).is_file()]

    def _remember(self, path: str) -> None:
        """The project file opened or saved: opened again at the next start, and first in Open recent."""
        settings().setValue("project/last", path)
        path = str(Path(path).resolve())
        paths = [path] + [p for p in self.recent_projects() if p != path]
        settings().setValue(RECENT_KEY, paths[:RECENT_MAX])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent_projects()
        for i, path in enumerate(paths, 1):
            action = self.recent_menu.addAction(f"&{i} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_recent(p))
        if not paths:
            self.recent_menu.addAction("No projects yet").setEnabled(False)
            return
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear the list", lambda: settings().remove(RECENT_KEY))

    def open_recent(self, path: str) -> bool:
        if not self.keep_changes():
            return False
        return self.open_project(path)

    def _on_open_sample(self) -> None:
        if not self.keep_changes():
            return
        self.project.reset_to_sample()
        settings().remove("project/last")

    def _on_show_terms(self) -> None:
        keys = ("embedding_size", "num_hidden_groups", "inner_group_num", "sop", "mlm", "factorized", "sharing")
        text = "".join(f"<p>{TERMS[k]}</p>" for k in keys)
        QMessageBox.information(self, "ALBERT terms", text)

    def _on_about(self) -> None:
        QMessageBox.about(
            self,
            "About ALBERT Studio",
            f"ALBERT Studio {__version__}<br>Design, train and try ALBERT models (Lan et al., 2019).",
        )

    # -- cross-page events ------------------------------------------------------------------------
    def _on_devices_found(self, info: DeviceInfo) -> None:
        if self.pages:
            self.model_page.set_devices(info)
            self.train_page.set_devices(info)

    def _on_run_ended(self, run_dir: str, status: str) -> None:
        self.runs_page.refresh()
        if status == "finished":  # loaded now, or when the Playground is next shown
            self.playground_page.offer_run(str(Path(run_dir)))

    def _on_playground_requested(self, path: str) -> None:
        self.playground_page.load_model_path(path)
        self.show_page("Playground")

    def _on_resume_requested(self, path: str) -> None:
        self.show_page("Train")
        self.train_page.resume(path)

    def _on_finetune_requested(self, run_dir: str) -> None:
        """Start the next run from a pre-trained model: the Model page's start becomes that run,
        and the Data page asks for a labelled file."""
        from albert_core.spec import SpecError

        from .pages.model_page import spec_from_folder

        try:
            spec = spec_from_folder(str(Path(run_dir) / "model"))
        except SpecError:
            spec = self.project.spec
        self.project.update_training(name="")  # the pre-training run's name would name the fine-tuned one too
        self.project.set_spec(spec, "", init=str(run_dir))
        self.data_page.choose_task("classification", clear_file=True)
        self.train_page.show_next_run(
            f"The next run starts from the pre-trained model {Path(run_dir).name}: choose a labelled file on the "
            "Data page, then press Start. The pre-training run stays on the Runs page."
        )
        self.show_page("Data")
        self.statusBar().showMessage(f"Fine-tuning from {Path(run_dir).name}: choose a labelled file")
        self._finetune_from = Path(run_dir).name

    def _on_data_chosen(self) -> None:
        """After "Fine-tune it": once a labelled file is chosen, the request to choose one is done."""
        s = self.project.state
        if not self._finetune_from or not s.train_file or s.task == "pretrain":
            return
        if s.init and Path(s.init).name == self._finetune_from:
            self.train_page.show_next_run(
                f"The next run fine-tunes the pre-trained model {self._finetune_from} on "
                f"{Path(s.train_file).name}: press Start."
            )
        self._finetune_from = ""
        self.statusBar().clearMessage()

    # -- settings -----------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:  # 1200 x 780, or the screen's free area where it is smaller (a 1366 x 768 laptop)
            free = self.screen().availableGeometry()
            self.resize(min(1200, free.width()), min(780, free.height()))
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        page = s.value("window/page", 0)
        try:
            page = int(page)
        except (TypeError, ValueError):
            page = 0
        self.nav.setCurrentRow(page if 0 <= page < len(PAGES) else 0)
        self._restore_project(s)

    def _restore_project(self, s) -> None:
        """The project as the window left it (saved when it closed); else the project file opened
        last; else, on a first start, the sample. A saved project that cannot be read gives the
        sample, with a note saying so."""
        saved = s.value(AUTOSAVE_KEY, "")
        if saved:
            try:
                d = json.loads(str(saved))
                self.project.restore(d.get("state") if isinstance(d, dict) else None, str(d.get("path") or ""),
                                     what="the project saved when the window last closed")  # fmt: skip
                return
            except (ValueError, AttributeError) as e:
                s.remove(AUTOSAVE_KEY)
                self.restore_note = f"The sample project is open: {e}."
                return
        last = s.value("project/last", "")
        if last and Path(str(last)).is_file():
            try:
                self.project.load(str(last))
            except ValueError as e:
                s.remove("project/last")
                self.restore_note = f"The sample project is open: {e}."

    def save_settings(self) -> None:
        """The window's place and page, and the project as it is now, for the next start."""
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/page", self.nav.currentRow())
        s.setValue(AUTOSAVE_KEY, json.dumps({"state": self.project.to_dict(), "path": self.project.path}))
        s.sync()

    # -- events -------------------------------------------------------------------------------
    def event(self, e) -> bool:
        if e.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.first_painted.emit)
        return super().event(e)

    def ask_about_running_run(self) -> str:
        """Closing while a run trains: "stop", "leave" or "cancel"."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("A run is training")
        box.setText("A run is still training. Stop it, or leave it training without the window?")
        box.setInformativeText(
            "Stop saves a checkpoint, so you can resume it later. A run left training carries on; "
            "the window follows it again the next time it opens."
        )
        stop = box.addButton("Stop run", QMessageBox.ButtonRole.DestructiveRole)
        leave = box.addButton("Leave running", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        return "stop" if clicked is stop else "leave" if clicked is leave else "cancel"

    def closeEvent(self, event) -> None:
        if self.pages and self.train_page.is_running():
            answer = self.ask_about_running_run()
            if answer == "cancel":
                event.ignore()
                return
            if answer == "stop":
                self.train_page.stop_and_wait()
            else:
                self.train_page.leave_running()
        if self.pages:
            self.playground_page.shutdown()
        self.devices.stop()
        self.save_settings()
        super().closeEvent(event)
