"""``aekit export``: a part of a run's model as an ONNX or TorchScript file.

The handler imports the exporter (torch, onnx) only when it runs, so ``aekit --help``
stays free of torch.
"""

from __future__ import annotations

import argparse


def _cmd_export(args: argparse.Namespace) -> int:
    from aekit.tasks.export import export_run, format_summary

    summary = export_run(args.run, format=args.format, part=args.part, out=args.out,
                         force=args.force)
    for line in format_summary(summary):
        print(line)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` verb to the ``aekit`` parser."""
    p = sub.add_parser(
        "export", help="write a run's model, encoder or decoder as ONNX or TorchScript, "
                       "checked against PyTorch",
        description="Export one part of a run's model (docs/export.md). The file is loaded "
                    "back and run on fresh inputs of several batch sizes (and image sizes, "
                    "for fully convolutional models) before it is moved into place; a "
                    "difference from PyTorch above 1e-4 writes nothing.")
    p.add_argument("run")
    p.add_argument("--format", required=True, choices=["onnx", "torchscript"],
                   help="onnx (torch.export + onnxscript, checked with onnxruntime; needs "
                        "pip install 'aekit[export]') or torchscript (torch.jit.trace)")
    p.add_argument("--part", default="model", choices=["model", "encoder", "decoder"],
                   help="model: x → x̂; encoder: x → code; decoder: code → x̂ "
                        "(default model; a GAN has only its decoder, the generator)")
    p.add_argument("--out", required=True, help="output file, e.g. model.onnx or model.pt")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=_cmd_export)
