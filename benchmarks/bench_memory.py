"""Test-time peak memory of the published GSS models and their lean
counterparts, whole-window decoding against tiled decoding.

Each measurement runs in a fresh process (a process's peak resident memory
only grows): the segmentor is built from its config with random weights
(fp32, batch 1, no checkpoint needed: memory does not depend on the
values), then one test forward runs as ``tools/test.py`` runs it:

* ``window``: ``encode_decode`` of one test window (the config's
  sliding-window crop; for whole-image testing, a test image), the unit of
  sliding-window testing;
* ``image``: ``inference`` of a whole image under the config's
  ``test_cfg`` (e.g. a 1024×2048 Cityscapes frame: 2×4 windows of 768²).

On CPU the peak is the process's maximum resident set size
(``ru_maxrss``) minus the resident size just before the forward (the
model's weights, the input): what testing adds. On CUDA it is
``torch.cuda.max_memory_allocated`` over the forward, less what was
allocated before it. ``decode_tile_size`` tiles the maskige decoding and
X⁻¹ (``GSSFFHead``); the outputs of both modes are compared by the tests
(``tests/test_models/test_utils/test_token_tiles.py``), not here.

    python benchmarks/bench_memory.py [--configs NAME ...] [--tiles none 96]
        [--modes window image] [--device cpu] [--out FILE]

Prints a table and writes ``benchmarks/results/memory.json``.
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))  # get_flops imports _cli

from benchmarks.results_file import write_results  # noqa: E402

RESULTS = osp.join(ROOT, 'benchmarks', 'results')
#: The published configs (FF, FT-W) and their lean counterparts.
CONFIGS = (
    'cityscapes/gss-ff_r101_768x768_80k_cityscapes.py',
    'cityscapes/gss-ft-w_r101_768x768_80k_40k_cityscapes.py',
    'cityscapes/gss-ff-lean_r101_768x768_80k_cityscapes.py',
    'cityscapes/gss-ff_swin-l_768x768_80k_cityscapes.py',
    'cityscapes/gss-ft-w_swin-l_768x768_80k_40k_cityscapes.py',
    'ade20k/gss-ff_swin-l_512x512_160k_ade20k.py',
    'ade20k/gss-ft-w_swin-l_512x512_160k_ade20k.py',
    'ade20k/gss-ff-lean_swin-l_512x512_160k_ade20k.py',
    'mseg/gss-ff_hrnet-w48_512x512_160k_mseg.py',
    'mseg/gss-ft-w_hrnet-w48_512x512_160k_40k_mseg.py',
    'mseg/gss-ff_swin-l_512x512_160k_mseg.py',
    'mseg/gss-ft-w_swin-l_512x512_160k_40k_mseg.py',
)
#: Test image sizes, by dataset folder: Cityscapes frames; an ADE20K
#: image of the usual 4:3 after the test resize to a 512 short side;
#: MSeg's test sets vary (WildDash, KITTI, ...), a Cityscapes-sized frame.
IMAGE_SIZES = dict(cityscapes=(1024, 2048), ade20k=(512, 683),
                   mseg=(1024, 2048))


def window_size(cfg, dataset):
    """(H, W) of one test window: the sliding crop, else (whole-image
    testing) the dataset's image."""
    test_cfg = cfg.model.test_cfg
    if test_cfg.get('mode') == 'slide':
        return tuple(test_cfg.crop_size)
    return IMAGE_SIZES[dataset]


def rss_bytes():
    """Resident set size of this process now."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def measure_one(config, tile, mode, device):
    """One forward in this process; returns its row (see module doc)."""
    import torch
    from get_flops import build_model
    from mmcv import Config

    import gss  # noqa: F401  (registers the GSS modules)

    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'gss', config))
    cfg.model.decode_head.decode_tile_size = tile
    model = build_model(cfg).to(device)
    dataset = config.split('/')[0]
    size = window_size(cfg, dataset) if mode == 'window' else IMAGE_SIZES[
        dataset]
    img = torch.randn(1, 3, *size, device=device)
    # (MSeg models predict the classes of the sample's test dataset.)
    meta = [dict(img_shape=(*size, 3), ori_shape=(*size, 3),
                 pad_shape=(*size, 3), flip=False,
                 dataset_name='wilddash-19')]
    cuda = device.startswith('cuda')
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        before = rss_bytes()
    start = time.perf_counter()
    with torch.no_grad():
        if mode == 'window':
            out = model.encode_decode(img, meta)
        else:
            out = model.inference(img, meta, rescale=True)
    if cuda:
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - before
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 \
            - before
    return dict(config=f'configs/gss/{config}', mode=mode,
                input=list(size), decode_tile_size=tile, device=device,
                peak_gib=peak / 2**30, seconds=time.perf_counter() - start,
                output=list(out.shape))


def run_isolated(config, tile, mode, device):
    """:func:`measure_one` in a fresh Python process."""
    cmd = [sys.executable, osp.abspath(__file__), '--one', config,
           '--tiles', str(tile).lower(), '--modes', mode, '--device', device]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f'{" ".join(cmd)} failed:\n{out.stderr[-3000:]}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def parse_tile(text):
    return None if text.lower() == 'none' else int(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=list(CONFIGS),
                        help='configs under configs/gss/')
    parser.add_argument('--tiles', nargs='+', type=parse_tile,
                        default=[None, 96],
                        help="decode_tile_size values ('none': whole)")
    parser.add_argument('--modes', nargs='+', default=['window'],
                        choices=['window', 'image'])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--one', help=argparse.SUPPRESS)
    parser.add_argument('--out', default=osp.join(RESULTS, 'memory.json'))
    args = parser.parse_args(argv)
    if args.one:
        row = measure_one(args.one, args.tiles[0], args.modes[0],
                          args.device)
        print(json.dumps(row))
        return row
    rows = []
    print(f'{"config":58s} {"mode":6s} {"tile":>5s} {"peak GiB":>9s} '
          f'{"s":>7s} {"× whole":>8s}')
    for config in args.configs:
        for mode in args.modes:
            whole = None
            for tile in args.tiles:
                # The lean configs' VQ-VAE decodes tiles equal to rounding
                # only (not bit-exact), and cheaply: whole windows only.
                if tile is not None and 'lean' in config:
                    continue
                row = run_isolated(config, tile, mode, args.device)
                whole = whole or row['peak_gib']
                row['vs_whole'] = row['peak_gib'] / whole
                rows.append(row)
                print(f'{config:58s} {mode:6s} {str(tile):>5s} '
                      f'{row["peak_gib"]:9.2f} {row["seconds"]:7.1f} '
                      f'{row["vs_whole"]:7.2f}x', flush=True)
    write_results(args.out, rows=rows, measure=(
        'CPU: max RSS minus RSS before the forward; CUDA: '
        'max_memory_allocated minus allocated before; fp32, batch 1, '
        'random weights, fresh process per row'))
    return rows


if __name__ == '__main__':
    main()
