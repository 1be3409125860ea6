"""Classifier baselines: LeNet-5, MLP, MobileNetV2 (+ weight transfer), pyramid + SVC."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from aekit.classify.mobilenet import MobileNetV2, load_pretrained
from aekit.classify.models import MLP, LeNet5, build_classifier
from aekit.classify.pyramid import PyramidSVC, pyramid_features
from aekit.classify.train import accuracy, check_labels, fit_classifier
from aekit.errors import ConfigError, DataError
from tests.conftest import make_blobs_images


def test_lenet5_returns_logits_of_the_paper_layout() -> None:
    net = LeNet5((1, 28, 28), 10)
    assert not any(isinstance(m, torch.nn.Softmax | torch.nn.LogSoftmax) for m in net.modules())
    assert sum(isinstance(m, torch.nn.Tanh) for m in net.modules()) == 4
    out = net(torch.rand(3, 1, 28, 28))
    assert out.shape == (3, 10)
    assert not torch.allclose(out.softmax(1).sum(1), out.sum(1))  # raw logits, not probs
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [6, 16, 120]  # C1, C3, C5


def test_mlp_has_one_hidden_layer_of_128() -> None:
    net = MLP((1, 28, 28), 10)
    lin = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in lin] == [(784, 128), (128, 10)]


def test_mobilenetv2_shapes_and_torchvision_names() -> None:
    net = MobileNetV2((1, 28, 28), 10, width_mult=0.35)
    assert net(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    keys = set(net.state_dict())
    for k in ("features.0.0.weight", "features.1.conv.0.0.weight", "features.1.conv.1.weight",
              "features.2.conv.0.0.weight", "features.18.0.weight", "classifier.1.weight"):
        assert k in keys, k
    assert len(net.features) == 19  # stem + 17 inverted residuals + last 1×1 conv
    full = MobileNetV2((3, 224, 224), 1000, small_input=False)
    assert sum(p.numel() for p in full.parameters()) == 3_504_872  # the paper's 3.4 M


def test_rgb_weights_transfer_to_gray_and_drop_mismatched_classifier(tmp_path: Path) -> None:
    torch.manual_seed(0)
    rgb = MobileNetV2((3, 28, 28), 1000, width_mult=0.35).eval()
    path = tmp_path / "imagenet.safetensors"
    save_file({k: v.contiguous() for k, v in rgb.state_dict().items()}, str(path))
    gray = MobileNetV2((1, 28, 28), 10, width_mult=0.35).eval()
    report = load_pretrained(gray, path)
    assert report["skipped"] == ["classifier.1.weight", "classifier.1.bias"]
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():  # summed filters respond to gray x as RGB filters to (x, x, x)
        assert torch.allclose(gray.features(x), rgb.features(x.repeat(1, 3, 1, 1)), atol=1e-5)
    with pytest.raises(DataError, match="another width_mult"):
        load_pretrained(MobileNetV2((1, 28, 28), 10, width_mult=0.5), path)
    with pytest.raises(DataError, match="no such weights file"):
        load_pretrained(gray, tmp_path / "missing.pt")


def test_pyramid_features_and_svc() -> None:
    assert pyramid_features(np.zeros((2, 1, 28, 28))).shape == (2, 784 + 196 + 49 + 16 + 4 + 1)
    x, y = make_blobs_images(120, seed=1)
    xt, yt = make_blobs_images(40, seed=2)
    assert PyramidSVC(C=0.1).fit(x, y).score(xt, yt) > 0.9


def test_fit_classifier_learns_and_is_seeded() -> None:
    x, y = make_blobs_images(128, seed=1)
    xt, yt = make_blobs_images(48, seed=2)
    accs, losses = [], []
    for _ in range(2):
        torch.manual_seed(0)
        net = build_classifier("mlp", (1, 8, 8), 4)
        fit = fit_classifier(net, x, y, epochs=5, batch_size=16, lr=3e-3, seed=3)
        accs.append(accuracy(net, xt, yt))
        losses.append(fit.train_loss)
    assert accs[0] > 0.9 and losses[0] == losses[1] and losses[0][-1] < losses[0][0]
    with pytest.raises(ConfigError, match="unknown classifier"):
        build_classifier("resnet", (1, 8, 8), 4)
    with pytest.raises(DataError, match="has no labels"):
        check_labels(None, "npy:x.npy")
