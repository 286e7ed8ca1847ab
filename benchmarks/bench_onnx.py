"""Inference time: ONNX Runtime against PyTorch (fp32, CPU), side by side.

Exports each model with ``gss.deploy`` (a static graph at ``--shape``) and
times the whole-image forward (normalised image → class scores at the
input size) of PyTorch and of ONNX Runtime, both with the same number of
threads, alternating model by model and runtime by runtime in one process
so that machine noise hits all alike; reports medians and their ratio, and
the share of pixels whose label is the same in both.

Weights: ``work_dirs/<config name>/latest.pth`` where it exists (strict
loading), else the random initialisation, which costs the same time.

    python benchmarks/bench_onnx.py [--shape 360 480] [--repeats 5]
"""
import argparse
import os.path as osp
import statistics
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401
import torch  # noqa: E402

from gss.deploy import (build_model, example_input,  # noqa: E402
                        export_onnx, export_wrapper, require_onnxruntime,
                        run_session)
from benchmarks.results_file import write_results  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'benchmarks', 'results')
CAMVID = osp.join(ROOT, 'configs', 'gss', 'camvid')
CONFIGS = {
    'UPerNet': 'upernet_effnet-lite0_256x256_700_camvid.py',
    'GSS-FF': 'gss-ff_effnet-lite0_256x256_700_camvid.py',
    'GSS-FT-W': 'gss-ft-w_effnet-lite0_256x256_700_300_camvid.py',
}


def load(config):
    """Model and the weights it runs with (a path or 'random')."""
    name = osp.splitext(osp.basename(config))[0]
    ckpt = osp.join(ROOT, 'work_dirs', name, 'latest.pth')
    ckpt = ckpt if osp.exists(ckpt) else None
    # No ImageNet / stage-I files needed: a checkpoint has all weights.
    options = {'model.backbone.pretrained': None}
    if 'gss' in name:
        options['model.decode_head.tokenizer.checkpoint'] = None
    _, model = build_model(config, ckpt, options)
    return model, ckpt or 'random'


def timed(fn, inputs):
    start = time.perf_counter()
    with torch.no_grad():
        out = fn(inputs)
    return time.perf_counter() - start, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--shape', type=int, nargs=2, default=[360, 480])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  'bench_onnx.json'))
    args = parser.parse_args()
    ort = require_onnxruntime()
    threads = torch.get_num_threads()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads

    runners, weights = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, config in CONFIGS.items():
            torch.manual_seed(0)
            model, weights[label] = load(osp.join(CAMVID, config))
            wrapper = export_wrapper(model)
            onnx_file = osp.join(tmp, f'{label}.onnx')
            export_onnx(wrapper, onnx_file, tuple(args.shape))
            session = ort.InferenceSession(
                onnx_file, options, providers=['CPUExecutionProvider'])
            runners[label] = dict(
                PyTorch=wrapper,
                ONNXRuntime=lambda x, s=session: run_session(s, x))
    inputs = example_input(next(iter(runners.values()))['PyTorch'],
                           tuple(args.shape))

    times, agreement = {}, {}
    for rep in range(args.repeats + 1):  # the first round warms up
        for label, pair in runners.items():
            outputs = {}
            for runtime, fn in pair.items():
                seconds, outputs[runtime] = timed(fn, inputs)
                if rep:
                    times.setdefault((label, runtime), []).append(seconds)
            agreement[label] = float((outputs['PyTorch'].argmax(1) ==
                                      outputs['ONNXRuntime'].argmax(1)
                                      ).float().mean())

    rows = []
    for label in runners:
        torch_s = statistics.median(times[(label, 'PyTorch')])
        ort_s = statistics.median(times[(label, 'ONNXRuntime')])
        rows.append(dict(model=label, config=CONFIGS[label],
                         weights=weights[label], pytorch_s=torch_s,
                         onnxruntime_s=ort_s, speedup=torch_s / ort_s,
                         label_agreement=agreement[label]))
    print(f'{"model":10s} {"PyTorch s":>10s} {"ORT s":>8s} '
          f'{"ORT speed-up":>13s} {"same labels":>12s}  weights')
    for r in rows:
        print(f'{r["model"]:10s} {r["pytorch_s"]:10.3f} '
              f'{r["onnxruntime_s"]:8.3f} {r["speedup"]:12.2f}x '
              f'{100 * r["label_agreement"]:11.3f}%  {r["weights"]}')
    write_results(args.out, rows=rows, shape=args.shape, batch=1,
                  repeats=args.repeats, statistic='median',
                  onnxruntime=ort.__version__, threads=threads)


if __name__ == '__main__':
    main()
