"""Evaluation picks its evaluators by capability and task object, never by name."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from aekit.config import RunConfig, TaskConfig, preset_config
from aekit.evaluate.registry import EvalContext, evaluators_for, registered
from aekit.models import build_model
from aekit.tasks.pairs import build_task


def _ctx(preset: str, shape: tuple[int, ...], task: TaskConfig, x_test: object) -> EvalContext:
    cfg = RunConfig(model=preset_config(preset), task=task)
    cfg.model.bind_data("x", 3, task)
    model = build_model(cfg.model, shape)
    loaded = SimpleNamespace(model=model, config=cfg, path=None)
    return EvalContext(loaded, build_task(task), SimpleNamespace(), x_test, None,
                       lambda m: None)


@pytest.mark.parametrize(("preset", "shape", "task", "photos", "expected"), [
    ("conv", (1, 8, 8), TaskConfig(), False, ["reconstruction"]),
    ("vae", (1, 8, 8), TaskConfig(), False, ["reconstruction", "sample-quality"]),
    ("dcgan", (1, 8, 8), TaskConfig(), False, ["sample-quality"]),
    ("dncnn-s", (1, 8, 8), TaskConfig(name="denoise"), False, ["photo-denoising"]),
    ("conv-full", (1, 8, 8), TaskConfig(name="denoise"), True, ["photo-denoising"]),
    ("espcn", (1, 8, 8), TaskConfig(name="superres"), True, ["superres"]),
    ("lstm", (4, 6), TaskConfig(), False, ["sequence"]),
])
def test_each_run_gets_the_evaluators_its_model_and_task_call_for(
        preset: str, shape: tuple[int, ...], task: TaskConfig, photos: bool,
        expected: list[str]) -> None:
    x_test = [np.zeros(shape, np.float32)] if photos else np.zeros((2, *shape), np.float32)
    assert [s.name for s in evaluators_for(_ctx(preset, shape, task, x_test))] == expected


def test_exclusive_evaluators_come_first_in_order() -> None:
    specs = registered()
    assert [s.order for s in specs] == sorted(s.order for s in specs)
    assert {s.name for s in specs if not s.exclusive} == {"sample-quality"}
