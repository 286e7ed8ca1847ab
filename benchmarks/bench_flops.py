"""FLOPs of GSS-FF, GSS-FF-lean and UPerNet with the same backbone.

One inference forward of one window, counted by ``tools/get_flops.py``'s
operator counter (imported, so the numbers are exactly those the tool
prints; one multiply-add = one FLOP, shapes only on the ``meta`` device,
no weights):

* ResNet-101 at 768×768 (one Cityscapes sliding window): mmseg's UPerNet,
  the published GSS-FF (dilated backbone, DALL·E dVAE), GSS-FF-lean;
* Swin-L at 512×512 (ADE20K): the same three;
* EfficientNet-Lite0 at 360×480 (one CamVid frame, the models of
  ``bench_precision.py`` and the short schedule's lean config): UPerNet,
  GSS-FF, GSS-FT-W, GSS-FF-lean (how close GSS's inference time can come
  to UPerNet's at equal FLOP rates).

Prints a table and writes ``benchmarks/results/flops.json``; the goal of
the lean variant is at most 1.5× UPerNet's FLOPs (docs/lean.md).

``--zoo`` counts the published models instead (the model zoo's params and
FLOPs, with the paper's metric of each; docs/model_zoo.md) into
``benchmarks/results/model_zoo.json``: one window of the sliding-window
test (768×768 on Cityscapes and MSeg), a 512×512 image on ADE20K, and one
label map at its test resolution for the reconstruction configs.

    python benchmarks/bench_flops.py [--out benchmarks/results/flops.json]
    python benchmarks/bench_flops.py --zoo \
        [--out benchmarks/results/model_zoo.json]
"""
import argparse
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))  # get_flops imports _cli

import get_flops  # noqa: E402
import torch  # noqa: E402
from mmcv import Config  # noqa: E402

RESULTS = osp.join(ROOT, 'benchmarks', 'results')
#: (setting, input size, [(model, config)]); UPerNet first: the reference.
SETTINGS = (
    ('ResNet-101, Cityscapes window', (768, 768), (
        ('UPerNet', 'cityscapes/upernet_r101_768x768_80k_cityscapes.py'),
        ('GSS-FF (published)',
         'cityscapes/gss-ff_r101_768x768_80k_cityscapes.py'),
        ('GSS-FF-lean',
         'cityscapes/gss-ff-lean_r101_768x768_80k_cityscapes.py'),
    )),
    ('Swin-L, ADE20K', (512, 512), (
        ('UPerNet', 'ade20k/upernet_swin-l_512x512_160k_ade20k.py'),
        ('GSS-FF (published)', 'ade20k/gss-ff_swin-l_512x512_160k_ade20k.py'),
        ('GSS-FF-lean', 'ade20k/gss-ff-lean_swin-l_512x512_160k_ade20k.py'),
    )),
    ('EfficientNet-Lite0, CamVid frame', (360, 480), (
        ('UPerNet', 'camvid/upernet_effnet-lite0_256x256_700_camvid.py'),
        ('GSS-FF', 'camvid/gss-ff_effnet-lite0_256x256_700_camvid.py'),
        ('GSS-FT-W', 'camvid/gss-ft-w_effnet-lite0_256x256_700_300_camvid.py'),
        ('GSS-FF-lean',
         'camvid/gss-ff-lean_effnet-lite0_256x256_700_camvid.py'),
    )),
)
#: (config, input size, the paper's metric, its name) of the published
#: models: mIoU on Cityscapes / ADE20K val, the h.mean over MSeg's test
#: datasets, and the DALL·E dVAE's reconstruction upper bound (None: not
#: in the paper).
ZOO = (
    ('cityscapes/gss-ff_r101_768x768_80k_cityscapes.py', (768, 768), 77.76,
     'mIoU'),
    ('cityscapes/gss-ft-w_r101_768x768_80k_40k_cityscapes.py', (768, 768),
     78.46, 'mIoU'),
    ('cityscapes/gss-ff_swin-l_768x768_80k_cityscapes.py', (768, 768), 78.90,
     'mIoU'),
    ('cityscapes/gss-ft-w_swin-l_768x768_80k_40k_cityscapes.py', (768, 768),
     80.05, 'mIoU'),
    ('ade20k/gss-ff_swin-l_512x512_160k_ade20k.py', (512, 512), 46.29,
     'mIoU'),
    ('ade20k/gss-ft-w_swin-l_512x512_160k_ade20k.py', (512, 512), 48.54,
     'mIoU'),
    ('mseg/gss-ff_hrnet-w48_512x512_160k_mseg.py', (768, 768), 52.60,
     'h.mean'),
    ('mseg/gss-ft-w_hrnet-w48_512x512_160k_40k_mseg.py', (768, 768), 55.20,
     'h.mean'),
    ('mseg/gss-ff_swin-l_512x512_160k_mseg.py', (768, 768), 59.49, 'h.mean'),
    ('mseg/gss-ft-w_swin-l_512x512_160k_40k_mseg.py', (768, 768), 61.94,
     'h.mean'),
    ('cityscapes/dalle_reconstruction_cityscapes.py', (1024, 2048), 95.17,
     'mIoU'),
    ('ade20k/dalle_reconstruction_ade20k.py', (512, 512), 87.73, 'mIoU'),
    ('mseg/dalle_reconstruction_mseg.py', (512, 512), None, 'mIoU'),
)
#: The lean variant's goal, in multiples of UPerNet's FLOPs, in these
#: settings (issue #13: the published backbones at their inputs).
GOAL = 1.5
GOAL_SETTINGS = ('ResNet-101, Cityscapes window', 'Swin-L, ADE20K')


def measure(config, size):
    """get_flops' count of one forward of ``config`` at ``size``.

    Returns:
        dict: ``gflops`` (operator counter), ``parts`` (name → GFLOPs;
        the decode head without its tokenizer), ``params`` and
        ``trainable_params`` (millions; those the config trains),
        ``mmcv_gflops`` (mmcv's module-hook counter) and ``iters`` (the
        schedule's iterations; None for the training-free configs).
    """
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'gss', config))
    runner = cfg.get('runner')
    iters = runner.get('max_iters') if runner else None
    result = get_flops.complexity(get_flops.build_model(cfg), size, 'meta')
    return dict(
        gflops=result['aten_flops'] / 1e9,
        parts={name: part['aten_flops'] / 1e9
               for name, part in result['parts'].items()},
        params=result['params'] / 1e6,
        trainable_params=result['trainable_params'] / 1e6,
        mmcv_gflops=result['mmcv_flops'] / 1e9,
        iters=iters)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--zoo', action='store_true',
                        help='count the published models instead')
    parser.add_argument('--out', help='JSON written (default: '
                        'benchmarks/results/flops.json, with --zoo '
                        'benchmarks/results/model_zoo.json)')
    args = parser.parse_args(argv)
    if args.zoo:
        return zoo(args.out or osp.join(RESULTS, 'model_zoo.json'))
    args.out = args.out or osp.join(RESULTS, 'flops.json')
    rows = []
    for setting, size, models in SETTINGS:
        reference = None
        for model, config in models:
            row = dict(setting=setting, input=list(size), model=model,
                       config=f'configs/gss/{config}', **measure(config,
                                                                 size))
            reference = reference or row['gflops']
            row['vs_upernet'] = row['gflops'] / reference
            rows.append(row)
    print(f'{"setting":34s} {"model":20s} {"GFLOPs":>8s} {"backbone":>9s} '
          f'{"head":>8s} {"tokenizer":>9s} {"× UPerNet":>9s}')
    for r in rows:
        parts = r['parts']
        print(f'{r["setting"]:34s} {r["model"]:20s} {r["gflops"]:8.1f} '
              f'{parts["backbone"]:9.1f} {parts["decode head"]:8.1f} '
              f'{parts.get("tokenizer", 0.0):9.1f} {r["vs_upernet"]:8.2f}x')
    lean = [r for r in rows if r['model'] == 'GSS-FF-lean'
            and r['setting'] in GOAL_SETTINGS]
    met = all(r['vs_upernet'] <= GOAL for r in lean)
    print(f'GSS-FF-lean ≤ {GOAL}× UPerNet ({", ".join(GOAL_SETTINGS)}): '
          f'{met}')
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(rows=rows, goal=GOAL, goal_settings=GOAL_SETTINGS,
                       goal_met=met,
                       counter='tools/get_flops.py operator counter '
                       '(multiply-adds, meta device)',
                       torch=torch.__version__), f, indent=2)
    print(f'written {args.out}')
    return rows


def zoo(out):
    """Count every published model of :data:`ZOO` and write ``out``."""
    rows = []
    for config, size, paper, metric in ZOO:
        counted = measure(config, size)
        rows.append(dict(config=f'configs/gss/{config}', input=list(size),
                         paper=paper, metric=metric, **counted))
        print(f'{config:58s} {paper or float("nan"):6.2f} {metric:7s} '
              f'{counted["params"]:7.2f} M {counted["gflops"]:8.1f} G')
    os.makedirs(osp.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(dict(rows=rows, counter='tools/get_flops.py operator '
                       'counter (multiply-adds, meta device)',
                       torch=torch.__version__), f, indent=2)
    print(f'written {out}')
    return rows


if __name__ == '__main__':
    main()
