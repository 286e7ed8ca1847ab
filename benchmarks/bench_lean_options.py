"""Inference time of cheaper CamVid GSS-FF-lean heads, beside UPerNet.

The CamVid lean model (``gss-ff-lean-balanced_effnet-lite0_256x256_2k_camvid``)
spends most of its test forward in its head (shifted-window blocks, the
token classifier over 4,096 codes on the stride-4 grid) and in the maskige
decoder (``bench_lean_time.py --profile``). Most options below change the
head only, so they train on the same tokenizer (those with 1,024 codes
need the tokenizer of ``vqvae-1k_128x128_2k_camvid.py``). This script
measures the time side of each option, before any training: one 360×480
frame, random weights, fp32, UPerNet and every option interleaved in each
round in one process (median seconds, and the median over rounds of each
time over UPerNet's), plus ``tools/get_flops.py``'s count. Accuracy
needs training on the converged suite (docs/experiments/camvid.md).

    python benchmarks/bench_lean_options.py [--rounds 10] \
        [--out benchmarks/results/lean_options.json]
"""
import argparse
import os.path as osp
import statistics
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))  # get_flops imports _cli

from get_flops import build_model, complexity  # noqa: E402
from mmcv import Config  # noqa: E402

from benchmarks.bench_flops import GOAL  # noqa: E402
from benchmarks.bench_lean_time import forward  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402

RESULTS = osp.join(ROOT, 'benchmarks', 'results')
SIZE = (360, 480)
UPERNET = 'camvid/upernet-balanced_effnet-lite0_256x256_2k_camvid.py'
LEAN = 'camvid/gss-ff-lean-balanced_effnet-lite0_256x256_2k_camvid.py'
#: (option, decode_head settings over the lean config's, as dotted keys).
OPTIONS = (
    ('as configured', {}),
    ('1 window block', {'swin_depth': 1}),
    ('no window block', {'swin_depth': 0}),
    ('FFN 2× (not 4×)', {'swin_mlp_ratio': 2}),
    ('fusion and classifier 64 wide (not 128)',
     {'fusion_channels': 64, 'classifier_channels': 64}),
    ('token classifier rank 32 (not 64)', {'token_classifier_rank': 32}),
    ('nearest-colour X⁻¹ (not soft)', {'inverse_scores': 'one_hot'}),
    # the tokenizer of vqvae-1k_128x128_2k_camvid.py: another stage I
    ('1,024 codes (not 4,096)', {'tokenizer.quantizer.num_codes': 1024}),
    ('1 window block, 64 wide, rank 32',
     {'swin_depth': 1, 'fusion_channels': 64, 'classifier_channels': 64,
      'token_classifier_rank': 32}),
    ('1 window block, 64 wide, rank 32, 1,024 codes',
     {'swin_depth': 1, 'fusion_channels': 64, 'classifier_channels': 64,
      'token_classifier_rank': 32, 'tokenizer.quantizer.num_codes': 1024}),
    ('no window block, 64 wide, rank 32, 1,024 codes',
     {'swin_depth': 0, 'fusion_channels': 64, 'classifier_channels': 64,
      'token_classifier_rank': 32, 'tokenizer.quantizer.num_codes': 1024}),
)


def lean_config(settings):
    """The CamVid lean config with ``settings`` merged into its head."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'gss', LEAN))
    cfg.merge_from_dict({f'model.decode_head.{key}': value
                         for key, value in settings.items()})
    return cfg


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=10)
    parser.add_argument('--out',
                        default=osp.join(RESULTS, 'lean_options.json'))
    args = parser.parse_args(argv)
    configs = [('UPerNet', {}, Config.fromfile(
        osp.join(ROOT, 'configs', 'gss', UPERNET)))]
    configs += [(name, settings, lean_config(settings))
                for name, settings in OPTIONS]
    models = [(name, settings, build_model(cfg.copy()))
              for name, settings, cfg in configs]
    for _, _, model in models:  # warm-up: first-call allocations
        forward(model, SIZE, 'fp32')
    seconds = {name: [] for name, _, _ in models}
    for _ in range(args.rounds):
        for name, _, model in models:
            seconds[name].append(forward(model, SIZE, 'fp32'))
    reference = seconds['UPerNet']
    rows = []
    print(f'{"option":42s} {"s":>7s} {"× UPerNet":>9s} {"GFLOPs":>7s}')
    for (name, settings, cfg), (_, _, model) in zip(configs, models):
        gflops = complexity(build_model(cfg.copy()), SIZE,
                            'meta')['aten_flops'] / 1e9
        row = dict(option=name, settings=settings,
                   seconds=statistics.median(seconds[name]),
                   rounds=seconds[name], gflops=gflops,
                   vs_upernet=statistics.median(
                       t / r for t, r in zip(seconds[name], reference)))
        rows.append(row)
        print(f'{name:42s} {row["seconds"]:7.3f} '
              f'{row["vs_upernet"]:8.2f}x {gflops:7.2f}', flush=True)
    write_results(args.out, rows=rows, input=list(SIZE), goal=GOAL,
                  upernet=f'configs/gss/{UPERNET}',
                  lean=f'configs/gss/{LEAN}', rounds=args.rounds)
    return rows


if __name__ == '__main__':
    main()
