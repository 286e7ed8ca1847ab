"""Test (and evaluate) a GSS (or any mmseg 0.x) model.

Usage mirrors mmsegmentation 0.x::

    python tools/test.py CONFIG CKPT --eval mIoU [--show-dir DIR] [--aug-test]
    bash tools/dist_test.sh CONFIG CKPT GPUS --eval mIoU

Runs on the CPU when there is no CUDA (distributed runs use gloo).

Based on mmsegmentation 0.30's ``tools/test.py`` (same options and steps).
What GSS changes:

* ``--help`` and usage errors (no operation, ``--eval`` with
  ``--format-only``, a non-pickle ``--out``) are answered before torch/mmseg
  are imported; ``import gss`` comes first (:mod:`gss.compat`);
* checkpoints load strictly and weights-only
  (:func:`gss.utils.load_checkpoint`): a checkpoint that does not fit the
  model is an error unless ``--allow-partial-load``; ``--unsafe-load`` for
  trusted files; the config is checked (``check_test_config``);
* ``--aug-test`` is an error, not a silent no-op, when the test pipeline
  has no MultiScaleFlipAug (:func:`enable_aug_test`);
* CPU testing: gloo without CUDA, SyncBN reverted, ``cpu_bf16`` autocast
  (fp32 where the CPU has no bf16 arithmetic),
  ``cpu_retain_memory``;
  ``compile = dict(...)`` (``torch.compile``, :func:`gss.apis.apply_compile`);
  multi-process results collected through a shared folder on the CPU;
* ``--show-dir`` draws GSS panels (the model gets the dataset for the
  ground truth); the console stays quiet (``quiet_console``) and the
  metrics end as one JSON line; the metrics file is written only with
  ``--work-dir``;
* dropped: the ``mpi`` launcher.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time
import warnings

from _cli import (LazyDictAction, add_cfg_options, add_launcher,
                  add_unsafe_load, check_threads, export_local_rank,
                  load_config, quiet_console)

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='mmseg test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='if specified, the evaluation metric results will be dumped '
        'into the directory as json')
    parser.add_argument(
        '--aug-test', action='store_true', help='Use Flip and Multi scale aug')
    parser.add_argument('--out', help='output result file in pickle format')
    parser.add_argument(
        '--format-only',
        action='store_true',
        help='Format the output results without perform evaluation. It is '
        'useful when you want to format the result to a specific format and '
        'submit it to the test server')
    parser.add_argument(
        '--eval',
        type=str,
        nargs='+',
        help='evaluation metrics, e.g. "mIoU" "mDice" "mFscore"')
    parser.add_argument('--show', action='store_true', help='show results')
    parser.add_argument(
        '--show-dir', help='directory where painted images will be saved')
    parser.add_argument(
        '--gpu-collect',
        action='store_true',
        help='whether to use gpu to collect results.')
    parser.add_argument(
        '--gpu-id',
        type=int,
        default=0,
        help='id of gpu to use (only applicable to non-distributed testing)')
    parser.add_argument(
        '--tmpdir',
        help='tmp directory used for collecting results from multiple '
        'workers, available when gpu_collect is not specified')
    parser.add_argument(
        '--options',
        nargs='+',
        action=LazyDictAction,
        help='(Deprecated, use --cfg-options) override config settings')
    add_cfg_options(parser)
    parser.add_argument(
        '--eval-options',
        nargs='+',
        action=LazyDictAction,
        help='custom options for evaluation')
    add_launcher(parser)
    parser.add_argument(
        '--opacity',
        type=float,
        default=0.5,
        help='Opacity of painted segmentation map. In (0, 1] range.')
    add_unsafe_load(parser)
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='test even if the checkpoint does not fit the model (keys '
        'missing, unexpected or of another shape keep their random '
        'initialisation); by default that is an error')
    args = parser.parse_args(argv)
    export_local_rank(args)
    if args.options and args.cfg_options:
        parser.error('--options and --cfg-options cannot be both specified')
    if args.options:
        warnings.warn('--options is deprecated in favor of --cfg-options')
        args.cfg_options = args.options
    if not (args.out or args.eval or args.format_only or args.show
            or args.show_dir):
        parser.error('Please specify at least one operation (save/eval/'
                     'format/show the results) with the argument "--out", '
                     '"--eval", "--format-only", "--show" or "--show-dir"')
    if args.eval and args.format_only:
        parser.error('--eval and --format-only cannot be both specified')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error('The output file must be a pkl file.')
    return args


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)
import mmcv  # noqa: E402
import mmseg.apis  # noqa: E402
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmcv.runner import get_dist_info, wrap_fp16_model  # noqa: E402
from mmseg.datasets import build_dataloader, build_dataset  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402
from mmseg.utils import build_dp, get_device, setup_multi_processes  # noqa: E402,E501

from gss.apis import (apply_compile, apply_cpu_bf16,  # noqa: E402
                      apply_cpu_retain_memory, build_ddp, init_dist)
from gss.datasets import check_not_empty  # noqa: E402
from gss.utils import load_checkpoint  # noqa: E402
from gss.apis.config_check import check_test_config  # noqa: E402

AUG_TEST_RATIOS = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]


def enable_aug_test(cfg):
    """Multi-scale + flip test on the test pipeline's MultiScaleFlipAug."""
    for step in cfg.data.test.pipeline:
        if step['type'] == 'MultiScaleFlipAug':
            step['img_ratios'] = AUG_TEST_RATIOS
            step['flip'] = True
            return
    raise ValueError('--aug-test needs a MultiScaleFlipAug step in '
                     'data.test.pipeline')


def main(argv=None):
    args = parse_args(argv)
    check_threads()
    quiet_console()
    cfg = load_config(args)
    check_test_config(cfg, args.eval_options)
    setup_multi_processes(cfg)
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    if args.aug_test:
        enable_aug_test(cfg)
    cfg.model.pretrained = None
    cfg.data.test.test_mode = True
    cfg.gpu_ids = [args.gpu_id]
    cfg.device = get_device()
    apply_cpu_retain_memory(cfg, cfg.device)

    if args.launcher == 'none':
        distributed = False
    else:
        distributed = True
        init_dist(args.launcher, **cfg.get('dist_params', {}))
    rank, _ = get_dist_info()

    json_file = None
    if args.work_dir is not None and rank == 0:
        mmcv.mkdir_or_exist(osp.abspath(args.work_dir))
        timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
        suffix = '_aug' if args.aug_test else ''
        json_file = osp.join(args.work_dir,
                             f'eval_single_scale{suffix}_{timestamp}.json')

    dataset = build_dataset(cfg.data.test)
    check_not_empty(dataset)
    loader_cfg = dict(
        num_gpus=len(cfg.gpu_ids),
        dist=distributed,
        shuffle=False,
        samples_per_gpu=1,
        workers_per_gpu=cfg.data.get('workers_per_gpu', 2))
    loader_cfg.update(cfg.data.get('test_dataloader', {}))
    if loader_cfg['workers_per_gpu'] == 0:
        loader_cfg['persistent_workers'] = False
    data_loader = build_dataloader(dataset, **loader_cfg)

    cfg.model.train_cfg = None
    model = build_segmentor(cfg.model, test_cfg=cfg.get('test_cfg'))
    if cfg.get('fp16', None) is not None:
        wrap_fp16_model(model)
    apply_cpu_bf16(model, cfg, cfg.device)
    apply_compile(model, cfg)
    checkpoint = load_checkpoint(model, args.checkpoint, map_location='cpu',
                                 strict=not args.allow_partial_load)
    meta = checkpoint.get('meta', {})
    model.CLASSES = meta.get('CLASSES', dataset.CLASSES)
    model.PALETTE = meta.get('PALETTE', dataset.PALETTE)
    if (args.show or args.show_dir) and hasattr(model, 'set_show_dataset'):
        # GSS panels show the ground truth, which mmseg's test loop does not
        # pass to show_result.
        model.set_show_dataset(dataset)
    torch.cuda.empty_cache()

    eval_kwargs = {} if args.eval_options is None else args.eval_options
    efficient_pre_eval = bool(args.eval)
    if args.format_only and 'imgfile_prefix' in eval_kwargs:
        mmcv.mkdir_or_exist(eval_kwargs['imgfile_prefix'])

    if cfg.device == 'cpu' or not distributed:
        model = revert_sync_batchnorm(model)
    if not distributed:
        model = build_dp(model, cfg.device, device_ids=cfg.gpu_ids)
        results = mmseg.apis.single_gpu_test(
            model,
            data_loader,
            args.show,
            args.show_dir,
            False,
            args.opacity,
            pre_eval=efficient_pre_eval,
            format_only=args.format_only,
            format_args=eval_kwargs)
    else:
        model = build_ddp(
            model,
            cfg.device,
            device_ids=[int(os.environ['LOCAL_RANK'])],
            broadcast_buffers=False)
        # mmcv broadcasts an auto-made tmpdir through a CUDA tensor; give
        # CPU runs a shared folder instead.
        collect_dir = args.tmpdir
        if collect_dir is None and cfg.device == 'cpu':
            collect_dir = osp.join(args.work_dir or tempfile.gettempdir(),
                                   '.dist_test_collect')
        results = mmseg.apis.multi_gpu_test(
            model,
            data_loader,
            collect_dir,
            args.gpu_collect,
            False,
            pre_eval=efficient_pre_eval,
            format_only=args.format_only,
            format_args=eval_kwargs)

    if rank == 0:
        print()  # mmseg's test loops leave their progress bar's line open
        if args.out:
            print(f'\nwriting results to {args.out}')
            mmcv.dump(results, args.out)
        if args.eval:
            eval_kwargs.update(metric=args.eval)
            metric = dataset.evaluate(results, **eval_kwargs)
            # mmseg rounds its metrics as its tables print them, but as
            # float32: in the JSON, 0.8803 would read 0.880299985408783.
            metric = {
                k: v if hasattr(v, '__len__') else round(float(v), 4)
                for k, v in metric.items()
            }
            metric_dict = dict(config=args.config, metric=metric)
            if json_file is not None:
                mmcv.dump(metric_dict, json_file, indent=4)
                print(f'\nmetrics written to {json_file}')
            print('\n' + json.dumps(
                {k: v for k, v in metric.items()
                 if not hasattr(v, '__len__')}))


if __name__ == '__main__':
    main()
