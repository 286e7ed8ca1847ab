"""The iteration-based runner all GSS configs use."""
import os
import os.path as osp

import torch
from mmcv.runner import RUNNERS, IterBasedRunner, save_checkpoint

from ..utils import load_checkpoint


class SafeIterBasedRunner(IterBasedRunner):
    """``IterBasedRunner`` whose checkpoints resume exactly and survive kills.

    Importing :mod:`gss` registers it under mmcv's name ``IterBasedRunner``
    (and as ``SafeIterBasedRunner``): mmseg's ``train_segmentor`` only
    evaluates by iteration when the runner type is literally
    ``'IterBasedRunner'``, and every config keeps working unchanged.

    * ``iter_N.pth`` records ``meta['iter'] = N``, the number of completed
      iterations. mmcv's runner records N - 1 (it saves before incrementing
      its counter) and so repeats iteration N after ``--resume-from``, which
      makes a resumed run differ from an uninterrupted one.
    * Checkpoints are written to ``<name>.tmp`` and renamed into place, so a
      crash or kill during ``torch.save`` never leaves a truncated
      ``iter_N.pth`` or a ``latest.pth`` pointing at one (``--auto-resume``
      would otherwise pick it up and fail).
    * ``load_from`` logs one line about what did not load (see
      :meth:`load_checkpoint`).
    * ``resume`` maps tensors to the CPU when CUDA is absent (mmcv's default
      maps to the current CUDA device and fails on CPU-only machines).
    """

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
        meta.update(epoch=self.epoch + 1, iter=done)
        filename = filename_tmpl.format(done)
        path = osp.join(out_dir, filename)
        save_checkpoint(
            self.model,
            path + '.tmp',
            optimizer=self.optimizer if save_optimizer else None,
            meta=meta)
        os.replace(path + '.tmp', path)
        if create_symlink:
            link = osp.join(out_dir, 'latest.pth')
            if osp.lexists(link + '.tmp'):
                os.remove(link + '.tmp')
            os.symlink(filename, link + '.tmp')
            os.replace(link + '.tmp', link)

    def load_checkpoint(self, filename, map_location='cpu', strict=False,
                        revise_keys=None):
        """``load_from`` / ``--load-from``: mmseg's partial semantics (an
        FT-W model starts from an FF checkpoint), but what did not load is
        one log line, and the load hooks of GSS modules apply."""
        return load_checkpoint(self.model, filename, map_location, strict,
                               self.logger)

    def resume(self, checkpoint, resume_optimizer=True,
               map_location='default'):
        if map_location == 'default' and not torch.cuda.is_available():
            map_location = 'cpu'
        super().resume(checkpoint, resume_optimizer, map_location)


RUNNERS.register_module(name='IterBasedRunner', module=SafeIterBasedRunner,
                        force=True)
RUNNERS.register_module(module=SafeIterBasedRunner)
