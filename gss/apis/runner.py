"""The iteration-based runner all GSS configs use."""
import os
import os.path as osp
import random
import warnings

import numpy as np
import torch
from mmcv.runner import RUNNERS, IterBasedRunner, save_checkpoint
from torch.utils.data import BatchSampler, RandomSampler, Sampler

from ..utils.checkpoint import (CheckpointMismatchError, atomic_path,
                                load_checkpoint)
from .work_dir import holds_work_dir, lock_work_dir, unlock_work_dir


def derive_seed(*keys):
    """A 32-bit seed that depends on every integer of ``keys``.

    Args:
        *keys (int): Non-negative integers, e.g. (seed, epoch, index).

    Returns:
        int: The seed (numpy's ``SeedSequence`` mixes the keys).
    """
    return int(np.random.SeedSequence(list(keys)).generate_state(1)[0])


def get_rng_state():
    """The Python, numpy and torch RNG states of this process.

    Returns:
        dict: ``python``, ``numpy`` (lists and numbers), ``torch`` (a uint8
        tensor) and, with CUDA, ``cuda`` (one tensor per device): values
        that ``torch.load(weights_only=True)`` accepts.
    """
    version, keys, gauss = random.getstate()
    _, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    state = dict(
        python=[version, list(keys), gauss],
        numpy=[np_keys.tolist(), int(np_pos), int(np_has_gauss),
               float(np_gauss)],
        torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state):
    """Restore RNG states saved by :func:`get_rng_state`.

    Args:
        state (dict): As returned by :func:`get_rng_state`.
    """
    version, keys, gauss = state['python']
    random.setstate((version, tuple(keys), gauss))
    np_keys, np_pos, np_has_gauss, np_gauss = state['numpy']
    np.random.set_state(('MT19937', np.asarray(np_keys, dtype=np.uint32),
                         np_pos, np_has_gauss, np_gauss))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class SeededEpochSampler(Sampler):
    """Training sampler whose epochs and samples are functions of a seed.

    Wraps the sampler of a training ``DataLoader``. Epoch ``e`` visits the
    indices the wrapped sampler gives for ``e`` (``set_epoch(e)`` for a
    ``DistributedSampler``, a generator seeded from (seed, e) for a
    ``RandomSampler``) and yields ``(index, sample_seed)`` pairs, where
    ``sample_seed`` depends on (seed, e, index) only; :class:`SeededSamples`
    seeds the augmentations of that sample with it, in whichever process
    loads it. A run resumed at any iteration therefore sees the same
    batches, augmented the same way, as an uninterrupted one, whatever the
    number of workers.

    Args:
        sampler (Sampler): The loader's sampler.
        seed (int): Base seed, the same in every process.
        epoch (int): Epoch of the next ``__iter__``. Default: 0.
        skip (int): Samples of that epoch already trained on (they are left
            out once). Default: 0.
    """

    def __init__(self, sampler, seed, epoch=0, skip=0):
        self.sampler = sampler
        self.seed = seed
        self.epoch = epoch
        self.skip = skip

    def __len__(self):
        return len(self.sampler)

    def __iter__(self):
        epoch, skip = self.epoch, self.skip
        self.epoch, self.skip = epoch + 1, 0
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.seed = self.seed
            self.sampler.set_epoch(epoch)
        elif isinstance(self.sampler, RandomSampler):
            self.sampler.generator = torch.Generator().manual_seed(
                derive_seed(self.seed, epoch))
        for position, index in enumerate(self.sampler):
            if position >= skip:
                yield index, derive_seed(self.seed, epoch, index)


class SeededSamples:
    """``dataset.__getitems__`` for the pairs of :class:`SeededEpochSampler`.

    torch's ``DataLoader`` fetches a batch through ``__getitems__`` when the
    dataset has one. Each sample is loaded with Python's, numpy's and
    torch's (CPU) RNGs seeded from its pair, and the RNG states of the
    calling process are put back afterwards, so that data loading in the
    main process (``workers_per_gpu=0``) leaves the training's random
    streams alone.

    Args:
        dataset (Dataset): The loader's dataset.
    """

    def __init__(self, dataset):
        self.dataset = dataset

    def __call__(self, pairs):
        return [self._load(index, seed) for index, seed in pairs]

    def _load(self, index, seed):
        python_state, numpy_state = random.getstate(), np.random.get_state()
        with torch.random.fork_rng(devices=[]):
            random.seed(seed)
            np.random.seed(seed)
            torch.random.default_generator.manual_seed(seed)
            try:
                return self.dataset[index]
            finally:
                random.setstate(python_state)
                np.random.set_state(numpy_state)


@RUNNERS.register_module()
class SafeIterBasedRunner(IterBasedRunner):
    """``IterBasedRunner`` whose checkpoints resume exactly and survive kills.

    Importing :mod:`gss` registers it under mmcv's name ``IterBasedRunner``
    too (:mod:`gss.compat`): mmseg's ``train_segmentor`` only
    evaluates by iteration when the runner type is literally
    ``'IterBasedRunner'``, and every config keeps working unchanged.

    * ``iter_N.pth`` records ``meta['iter'] = N``, the number of completed
      iterations. mmcv's runner records N - 1 (it saves before incrementing
      its counter) and so repeats iteration N after ``--resume-from``, which
      makes a resumed run differ from an uninterrupted one.
    * Everything that decides the next batch and update is restored: the
      training loaders get a :class:`SeededEpochSampler` (shuffle order and
      augmentations depend only on the seed, the epoch and the sample, and
      a resumed run skips what epoch ``iter // len(loader)`` already used)
      and ``meta['resume_state']`` holds that seed and the Python, numpy
      and torch RNG states (dropout, drop path...). Hooks that run after
      the checkpoint in the same iteration (evaluation) do not change the
      random streams training continues with.
    * One training per work dir (:func:`gss.apis.work_dir.lock_work_dir`;
      the partial checkpoint files of a killed run are removed).
    * Checkpoints are written to a temporary file and renamed into place
      (:func:`gss.utils.checkpoint.atomic_path`), so a crash or kill during
      ``torch.save`` never leaves a truncated ``iter_N.pth`` or a ``latest.pth`` pointing at one (``--auto-resume``
      would otherwise pick it up and fail).
    * ``load_from`` logs one line about what did not load (see
      :meth:`load_checkpoint`); one that loads nothing is an error.
    * ``resume`` loads the model strictly (a checkpoint of another model is
      an error, not a random model that trains on from "iter N"), refuses
      files without the iteration a training checkpoint records, and maps
      tensors to the CPU when CUDA is absent (mmcv's default maps to the
      current CUDA device and fails on CPU-only machines).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._data_seed = None
        self._loaded_meta = None
        self._rng_at_checkpoint = None
        self._resuming = False

    def run(self, data_loaders, workflow, max_iters=None, **kwargs):
        locked_here = self._lock_work_dir()
        try:
            for loader, (mode, _) in zip(data_loaders, workflow):
                if mode == 'train':
                    self._seed_loader(loader)
            super().run(data_loaders, workflow, max_iters, **kwargs)
        finally:
            if locked_here:
                unlock_work_dir(self.work_dir)

    def _lock_work_dir(self):
        """Hold the work dir while training (rank 0, unless the process
        holds it already, e.g. tools/train.py); True if taken here."""
        if self.work_dir is None or self.rank != 0 or \
                holds_work_dir(self.work_dir):
            return False
        removed = lock_work_dir(self.work_dir)
        if removed:
            self.logger.info(f'removed {len(removed)} partial checkpoint '
                             f'file(s) of an interrupted run: {removed}')
        return True

    def _seed_loader(self, loader):
        """Give a training loader a :class:`SeededEpochSampler`."""
        batch_sampler = loader.batch_sampler
        if not isinstance(batch_sampler, BatchSampler):
            warnings.warn(f'{type(batch_sampler).__name__} is not a torch '
                          'BatchSampler: a resumed run will not see the '
                          'same batches as an uninterrupted one')
            return
        sampler = batch_sampler.sampler
        if isinstance(sampler, SeededEpochSampler):  # an earlier run()
            sampler = sampler.sampler
        if self._data_seed is None:
            # DistributedSampler's seed is the same on every rank (mmseg
            # broadcasts it), unlike meta['seed'] with --diff-seed.
            self._data_seed = getattr(sampler, 'seed', None)
        if self._data_seed is None:
            self._data_seed = (self.meta or {}).get('seed')
        if self._data_seed is None:
            self._data_seed = torch.initial_seed() % 2**32
        epoch, batches = divmod(self.iter, len(loader))
        batch_sampler.sampler = SeededEpochSampler(
            sampler, self._data_seed, epoch,
            batches * batch_sampler.batch_size)
        loader.dataset.__getitems__ = SeededSamples(loader.dataset)
        # Worker base seeds come from loader.generator, else from the global
        # torch RNG, which a resumed run restarts its iterator at another
        # point of.
        loader.generator = torch.Generator().manual_seed(self._data_seed)

    def train(self, data_loader, **kwargs):
        # mmcv's IterLoader counts epochs from 0 in every run, resumed or not.
        data_loader._epoch = self.iter // len(data_loader)
        super().train(data_loader, **kwargs)
        if self._rng_at_checkpoint is not None:
            set_rng_state(self._rng_at_checkpoint)
            self._rng_at_checkpoint = None

    def save_checkpoint(self,
                        out_dir,
                        filename_tmpl='iter_{}.pth',
                        meta=None,
                        save_optimizer=True,
                        create_symlink=True):
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(
                f'meta should be a dict or None, but got {type(meta)}')
        meta = dict(meta or {}, **(self.meta or {}))
        done = self.iter + 1  # saved from after_train_iter, before iter += 1
        self._rng_at_checkpoint = get_rng_state()
        meta.update(
            epoch=self.epoch + 1,
            iter=done,
            resume_state=dict(
                seed=self._data_seed, rng=self._rng_at_checkpoint))
        filename = filename_tmpl.format(done)
        with atomic_path(osp.join(out_dir, filename)) as tmp:
            save_checkpoint(
                self.model,
                tmp,
                optimizer=self.optimizer if save_optimizer else None,
                meta=meta)
        if create_symlink:
            with atomic_path(osp.join(out_dir, 'latest.pth')) as tmp:
                os.symlink(filename, tmp)

    def load_checkpoint(self, filename, map_location='cpu', strict=False,
                        revise_keys=None):
        """``load_from`` / ``--load-from``: mmseg's partial semantics (an
        FT-W model starts from an FF checkpoint), but what did not load is
        one log line, a checkpoint of which nothing fits is an error, and
        the load hooks of GSS modules apply. Also used by :meth:`resume`,
        which loads strictly and reads the meta it keeps."""
        checkpoint = load_checkpoint(self.model, filename, map_location,
                                     strict or self._resuming, self.logger)
        self._loaded_meta = checkpoint.get('meta') or {}
        if self._resuming and not {'iter', 'epoch'} <= set(
                self._loaded_meta):
            raise CheckpointMismatchError(
                f'cannot resume from {filename}: it records no training '
                "iteration (meta['iter'], meta['epoch']), so it is not a "
                'checkpoint tools/train.py wrote. To start a training from '
                'its weights, use --load-from instead of --resume-from')
        return checkpoint

    def resume(self, checkpoint, resume_optimizer=True,
               map_location='default'):
        if map_location == 'default' and not torch.cuda.is_available():
            map_location = 'cpu'
        self._resuming = True
        try:
            super().resume(checkpoint, resume_optimizer, map_location)
        finally:
            self._resuming = False
        state = self._loaded_meta.get('resume_state')
        if state is None:
            warnings.warn(
                f'{checkpoint} has no resume_state (saved by an older GSS): '
                'the data order, augmentations and RNG streams restart, so '
                'the run will not match an uninterrupted one')
            return
        self._data_seed = state['seed']
        set_rng_state(state['rng'])

