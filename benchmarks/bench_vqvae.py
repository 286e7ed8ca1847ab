"""Cost of the maskige tokenizers: the project's VQ-VAE vs the DALL·E dVAE.

Both produce the same 1/4 token grid for a 512×512 label map: GSS upsamples
the mask 2× for the 8× DALL·E dVAE (1024×1024 → 128×128 tokens); the maskige
VQ-VAE tokenizes the 512×512 maskige directly at 4×. FLOPs are counted with
``torch.utils.flop_counter`` on a 1/8-side input and scaled by the area
(both networks are fully convolutional, so conv FLOPs are exactly
proportional to the output area); times are wall-clock encode+decode on
``--device`` (cpu or cuda), measured side by side in one run (random
weights: cost does not depend on them).

    python benchmarks/bench_vqvae.py [--size 512] [--repeats 2] [--device cpu]
        [--skip-dalle-time]
"""
import argparse
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmcv  # noqa: E402
import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import gss  # noqa: E402,F401
from gss.tokenizers import DalleDVAE, MaskigeVQVAE  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'benchmarks', 'results')
CAMVID_STAGE1 = osp.join(ROOT, 'configs', 'gss', 'camvid',
                         'vqvae-1k_128x128_2k_camvid.py')


def build(name):
    if name == 'dalle':
        model = DalleDVAE(checkpoint=None)
    else:
        model = MaskigeVQVAE(**json.loads(name.split(':', 1)[1]))
    return model.eval()


def round_trip(model, inputs):
    return model.decode(model.encode(inputs))


def random_inputs(model, side, device='cpu'):
    """A random batch of what ``model`` reads: a maskige, or a label map for
    a tokenizer that reads labels (the class-pattern VQ-VAE)."""
    if model.input_kind == 'labels':
        return torch.randint(0, model.palette_codec.num_classes,
                             (1, side, side), device=device)
    return torch.rand(1, 3, side, side, device=device)


def count_flops(name, size, shrink=8):
    model = build(name)
    inputs = random_inputs(model, size // shrink)
    counts = {}
    for stage in ('encode', 'decode'):
        with FlopCounterMode(display=False) as counter:
            if stage == 'encode':
                tokens = model.encode(inputs)
            else:
                model.decode(tokens)
        counts[stage] = counter.get_total_flops() * shrink**2
    return counts


def time_round_trip(name, size, repeats, device):
    torch.manual_seed(0)
    model = build(name).to(device)
    inputs = random_inputs(model, size, device)
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    with torch.no_grad():
        round_trip(model, inputs)  # warm-up
        times = []
        for _ in range(repeats):
            sync()
            start = time.perf_counter()
            round_trip(model, inputs)
            sync()
            times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=512,
                        help='label-map side (pixels)')
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'],
                        help='where to time encode+decode')
    parser.add_argument('--skip-dalle-time', action='store_true',
                        help='count DALL·E FLOPs but do not time it')
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  'bench_vqvae.json'))
    args = parser.parse_args()
    ours_cfg = mmcv.Config.fromfile(CAMVID_STAGE1).model.tokenizer.to_dict()
    ours_cfg.pop('type')
    cases = [
        ('DALL·E dVAE (8×, mask upsampled 2×)', 'dalle', args.size * 2),
        ('maskige VQ-VAE (4×, configs/gss/camvid)',
         'ours:' + json.dumps(ours_cfg), args.size),
    ]
    rows = []
    for label, name, side in cases:
        model = build(name)
        params = sum(p.numel() for p in model.parameters())
        flops = count_flops(name, side)
        seconds = None
        if not (name == 'dalle' and args.skip_dalle_time):
            seconds = time_round_trip(name, side, args.repeats,
                                      args.device)
        rows.append(dict(model=label, input=f'{side}x{side}',
                         tokens=f'{side // model.downsample}^2',
                         params=params, encode_flops=flops['encode'],
                         decode_flops=flops['decode'], seconds=seconds))
    dalle, ours = rows
    total = {r['model']: r['encode_flops'] + r['decode_flops'] for r in rows}
    print(f"{'model':42s} {'input':>10s} {'tokens':>7s} {'params':>9s} "
          f"{'enc GFLOPs':>11s} {'dec GFLOPs':>11s} {'enc+dec s':>10s}")
    for r in rows:
        secs = f"{r['seconds']:.2f}" if r['seconds'] is not None else 'n/a'
        print(f"{r['model']:42s} {r['input']:>10s} {r['tokens']:>7s} "
              f"{r['params'] / 1e6:8.2f}M {r['encode_flops'] / 1e9:11.1f} "
              f"{r['decode_flops'] / 1e9:11.1f} {secs:>10s}")
    flop_ratio = total[dalle['model']] / total[ours['model']]
    print(f'FLOPs ratio DALL·E / ours: {flop_ratio:.1f}x (target >= 20x)')
    speed_ratio = None
    if dalle['seconds'] and ours['seconds']:
        speed_ratio = dalle['seconds'] / ours['seconds']
        print(f'time ratio DALL·E / ours (same run): {speed_ratio:.1f}x')
    write_results(args.out, rows=rows, flops_ratio=flop_ratio,
                  time_ratio=speed_ratio, size=args.size,
                  device=(torch.cuda.get_device_name()
                          if args.device == 'cuda' else 'cpu'))


if __name__ == '__main__':
    main()
