"""MainToolbar alone: load activity, the model's name, the actions, and values shown quietly."""

from __future__ import annotations

from app.toolbar import MainToolbar


def test_load_activity_and_the_model_name(qtbot) -> None:  # type: ignore[no-untyped-def]
    toolbar = MainToolbar()
    qtbot.addWidget(toolbar)
    toolbar.show()
    toolbar.show_loading("tiny")
    assert toolbar.model_label.text() == "Loading tiny…"
    assert toolbar.load_progress_action.isVisible()
    toolbar.show_loaded("tiny", "/models/tiny.gguf")
    assert toolbar.model_label.text() == "tiny" and not toolbar.load_progress_action.isVisible()
    assert toolbar.model_label.toolTip() == "/models/tiny.gguf"
    toolbar.show_loading("other")
    toolbar.show_load_failed()
    assert toolbar.model_label.text() == "No model loaded"
    assert not toolbar.load_progress_action.isVisible()


def test_models_comes_before_settings(qtbot) -> None:  # type: ignore[no-untyped-def]
    toolbar = MainToolbar()
    qtbot.addWidget(toolbar)
    actions = toolbar.actions()
    assert actions.index(toolbar.models_action) < actions.index(toolbar.settings_action)
    assert toolbar.settings_action.shortcut().toString() == "Ctrl+,"


def test_shown_values_are_not_announced_as_edits(qtbot) -> None:  # type: ignore[no-untyped-def]
    toolbar = MainToolbar()
    qtbot.addWidget(toolbar)
    with qtbot.assertNotEmitted(toolbar.temperature.valueChanged):
        toolbar.show_values(0.7, 2048)
    assert toolbar.temperature.value() == 0.7 and toolbar.max_tokens.value() == 2048
