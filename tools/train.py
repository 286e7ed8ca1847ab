"""Train a GSS (or any mmseg 0.x) model.

Usage mirrors mmsegmentation 0.x::

    python tools/train.py CONFIG [--work-dir DIR] [--resume-from CKPT]
    bash tools/dist_train.sh CONFIG GPUS [args]

On a machine without CUDA the model trains on the CPU; distributed runs use
the gloo backend and SyncBN layers become plain BN (per-process statistics).
The console shows progress and results; the log file in the work dir also
holds the environment, the config, the model and mmcv's init report.

Based on mmsegmentation 0.30's ``tools/train.py`` (same options and steps).
What GSS changes:

* ``--help`` and usage errors are answered before torch/mmseg are imported;
  ``import gss`` comes first (:mod:`gss.compat`: weights-only checkpoint
  loading, the safe ``IterBasedRunner``, CPU DDP in ``train_segmentor``);
* the config is checked for misspelt keys (``check_train_config``) and
  ``persistent_workers`` is switched off for loaders without workers;
* CPU training: gloo for ``--launcher`` without CUDA
  (:func:`gss.apis.init_dist`), SyncBN reverted to BN without CUDA or in a
  single process, ``cpu_bf16`` autocast where the CPU has bf16 arithmetic
  (:func:`gss.apis.apply_cpu_bf16`),
  ``cpu_retain_memory`` (:func:`gss.apis.apply_cpu_retain_memory`);
* ``compile = dict(...)`` compiles backbone and heads with ``torch.compile``
  (:func:`gss.apis.apply_compile`);
* a hint when torch's threads oversubscribe a busy CPU (``check_threads``);
  the console shows progress and results, the log file everything
  (``quiet_console``); ``setup_multi_processes`` runs after the log file's
  logger is made, so its lines go there;
* one training per work dir (:func:`gss.apis.lock_work_dir`, which also
  removes the partial checkpoint files of a killed run);
* ``--unsafe-load`` for trusted checkpoints that need full unpickling, and
  a one-line error for missing pretrained weights;
* dropped: the deprecated ``--gpus`` and ``--options`` and the ``mpi``
  launcher; checkpoints also record ``gss_version``.
"""
import argparse
import copy
import os.path as osp
import sys
import time
import warnings

from _cli import (FILE_ONLY, add_cfg_options, add_launcher,
                  add_unsafe_load, check_threads, export_local_rank,
                  load_config, quiet_console)

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--load-from', help='the checkpoint file to load weights from')
    parser.add_argument(
        '--resume-from', help='the checkpoint file to resume from')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='whether not to evaluate the checkpoint during training')
    group_gpus = parser.add_mutually_exclusive_group()
    group_gpus.add_argument(
        '--gpu-ids',
        type=int,
        nargs='+',
        help='(Deprecated, use --gpu-id) ids of gpus to use '
        '(only applicable to non-distributed training)')
    group_gpus.add_argument(
        '--gpu-id',
        type=int,
        default=0,
        help='id of gpu to use (only applicable to non-distributed training)')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-seed',
        action='store_true',
        help='Whether or not set different seeds for different ranks')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='whether to set deterministic options for CUDNN backend.')
    add_cfg_options(parser)
    add_launcher(parser)
    parser.add_argument(
        '--auto-resume',
        action='store_true',
        help='resume from the latest checkpoint in the work_dir automatically')
    add_unsafe_load(parser)
    args = parser.parse_args(argv)
    export_local_rank(args)
    return args


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)
import mmcv  # noqa: E402
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmcv.runner import get_dist_info  # noqa: E402
from mmcv.utils import get_git_hash  # noqa: E402
from mmseg import __version__ as mmseg_version  # noqa: E402
from mmseg.apis import init_random_seed, set_random_seed, train_segmentor  # noqa: E402,E501
from mmseg.datasets import build_dataset  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402
from mmseg.utils import (collect_env, get_device, get_root_logger,  # noqa: E402,E501
                         setup_multi_processes)

from gss.apis import (apply_compile, apply_cpu_bf16,  # noqa: E402
                      apply_cpu_retain_memory, init_dist, lock_work_dir)
from gss.datasets import check_not_empty  # noqa: E402
from gss.utils import WeightsDownloadError  # noqa: E402
from gss.apis.config_check import check_train_config  # noqa: E402


def disable_persistent_workers_without_workers(data_cfg):
    """Turn ``persistent_workers`` off wherever a loader has no workers.

    mmseg's ``build_dataloader`` defaults to ``persistent_workers=True``,
    which torch's ``DataLoader`` rejects with ``num_workers=0``; base configs
    compute the flag when they are read, before ``--cfg-options`` changes
    ``workers_per_gpu``.

    Args:
        data_cfg (mmcv.ConfigDict): ``cfg.data``, changed in place.
    """
    workers = data_cfg.get('workers_per_gpu', 2)
    if workers == 0:
        data_cfg.persistent_workers = False
    for key in ('train_dataloader', 'val_dataloader'):
        loader_cfg = data_cfg.get(key)
        if loader_cfg is not None and \
                loader_cfg.get('workers_per_gpu', workers) == 0:
            loader_cfg.persistent_workers = False


def main(argv=None):
    args = parse_args(argv)
    check_threads()
    cfg = load_config(args)
    check_train_config(cfg)
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    disable_persistent_workers_without_workers(cfg.data)

    # work_dir priority: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.load_from is not None:
        cfg.load_from = args.load_from
    if args.resume_from is not None:
        cfg.resume_from = args.resume_from
    if args.gpu_ids is not None:
        warnings.warn('`--gpu-ids` is deprecated, please use `--gpu-id`. '
                      'Only the first GPU will be used.')
        cfg.gpu_ids = args.gpu_ids[:1]
    else:
        cfg.gpu_ids = [args.gpu_id]
    cfg.auto_resume = args.auto_resume
    cfg.device = get_device()

    if args.launcher == 'none':
        distributed = False
    else:
        distributed = True
        # Without CUDA: gloo, and CPU DDP (gss.compat routes mmseg's
        # build_ddp through gss.apis.build_ddp).
        init_dist(args.launcher, **cfg.get('dist_params', {}))
        _, world_size = get_dist_info()
        cfg.gpu_ids = range(world_size)

    mmcv.mkdir_or_exist(osp.abspath(cfg.work_dir))
    # Before anything is written there; held until the process ends.
    stale = lock_work_dir(cfg.work_dir) if get_dist_info()[0] == 0 else []
    cfg.dump(osp.join(cfg.work_dir, osp.basename(args.config)))
    timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    log_file = osp.join(cfg.work_dir, f'{timestamp}.log')
    logger = get_root_logger(log_file=log_file, log_level=cfg.log_level)
    quiet_console(logger)  # the environment, config and model: file only
    # After the logger, unlike mmseg's train.py: its first call would make
    # mmseg's root logger without the log file (mmcv sets a logger up once).
    setup_multi_processes(cfg)
    if stale:
        logger.info(f'removed {len(stale)} partial checkpoint file(s) of an '
                    f'interrupted run: {stale}')

    meta = dict()
    env_info = '\n'.join(f'{k}: {v}' for k, v in collect_env().items())
    dash_line = '-' * 60 + '\n'
    logger.info('Environment info:\n' + dash_line + env_info + '\n' +
                dash_line, extra=FILE_ONLY)
    meta['env_info'] = env_info
    logger.info(f'Distributed training: {distributed}', extra=FILE_ONLY)
    logger.info(f'Config:\n{cfg.pretty_text}', extra=FILE_ONLY)

    seed = init_random_seed(args.seed, device=cfg.device)
    seed = seed + dist.get_rank() if args.diff_seed else seed
    logger.info(f'Set random seed to {seed}, '
                f'deterministic: {args.deterministic}')
    set_random_seed(seed, deterministic=args.deterministic)
    cfg.seed = seed
    meta['seed'] = seed
    meta['exp_name'] = osp.basename(args.config)

    model = build_segmentor(
        cfg.model,
        train_cfg=cfg.get('train_cfg'),
        test_cfg=cfg.get('test_cfg'))
    model.init_weights()

    # torch's SyncBatchNorm needs CUDA (and several processes): use BN stats
    # per process otherwise instead of crashing.
    if not distributed or cfg.device == 'cpu':
        if any(isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules()):
            logger.info('SyncBN is replaced by BN (single process or no '
                        'CUDA).')
        model = revert_sync_batchnorm(model)

    if apply_cpu_retain_memory(cfg, cfg.device):
        logger.info('CPU memory: malloc keeps freed memory for reuse')
    precision = apply_cpu_bf16(model, cfg, cfg.device)
    if precision == 'bf16':
        logger.info(f'CPU bf16 autocast: {cfg.cpu_bf16}')
    elif precision == 'fp32':
        logger.warning(f'cpu_bf16 = {cfg.cpu_bf16}: no bf16 arithmetic on '
                       'this CPU, training in fp32')
    compiled = apply_compile(model, cfg)
    if compiled:
        logger.info(f'torch.compile {cfg.compile} on: {", ".join(compiled)}')
    logger.info(model, extra=FILE_ONLY)
    # Backbones such as mmseg's Swin apply frozen_stages in train(); do it
    # before DDP registers which parameters need gradients.
    model.train()

    datasets = [build_dataset(cfg.data.train)]
    check_not_empty(datasets[0], 'train')
    if len(cfg.workflow) == 2:
        val_dataset = copy.deepcopy(cfg.data.val)
        val_dataset.pipeline = cfg.data.train.pipeline
        datasets.append(build_dataset(val_dataset))
    if cfg.checkpoint_config is not None:
        # CLASSES/PALETTE in checkpoints let tools/test.py and demos show
        # class names without the dataset.
        cfg.checkpoint_config.meta = dict(
            mmseg_version=f'{mmseg_version}+{get_git_hash()[:7]}',
            gss_version=gss.__version__,
            config=cfg.pretty_text,
            CLASSES=datasets[0].CLASSES,
            PALETTE=datasets[0].PALETTE)
    model.CLASSES = datasets[0].CLASSES
    train_segmentor(
        model,
        datasets,
        cfg,
        distributed=distributed,
        validate=(not args.no_validate),
        timestamp=timestamp,
        meta=meta)


if __name__ == '__main__':
    try:
        main()
    except WeightsDownloadError as err:
        # The message says what to do; the traceback would bury it.
        sys.exit(f'error: {err}')
