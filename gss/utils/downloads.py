"""One clear error when pretrained weights cannot be downloaded.

Configs name pretrained backbones by URL or alias (``open-mmlab://``,
``torchvision://``, ``mmcls://``, ``https://``); mmcv resolves each alias to
a URL and downloads it with ``load_from_http`` into torch hub's cache. On a
machine without network access and without a cached copy, that ends in a
30-frame ``URLError`` that says neither which file is missing nor what to
do. ``import gss`` routes mmcv's downloads through :func:`load_from_http`
(``explain_failed_weight_downloads`` in :mod:`gss.compat`), which turns it
into a :class:`WeightsDownloadError` naming the URL, the cache file and the
ways to proceed.
"""
import os.path as osp
from urllib.error import URLError
from urllib.parse import urlparse

import mmcv.runner.checkpoint as mmcv_checkpoint
import torch

# mmcv's own, read before gss.compat installs load_from_http over it.
_mmcv_load_from_http = mmcv_checkpoint.load_from_http


class WeightsDownloadError(RuntimeError):
    """Pretrained weights are neither cached nor downloadable."""


def cache_file(url, model_dir=None):
    """Where torch hub keeps the download of ``url``.

    Args:
        url (str): The weights URL.
        model_dir (str, optional): mmcv's ``model_dir``. Default: None,
            i.e. ``<torch hub dir>/checkpoints``.

    Returns:
        str: The cache file path.
    """
    model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    return osp.join(model_dir, osp.basename(urlparse(url).path))


def load_from_http(filename, map_location=None, model_dir=None):
    """mmcv's ``load_from_http`` with a clear error when offline.

    Args:
        filename (str): The weights URL.
        map_location: As in :func:`torch.load`.
        model_dir (str, optional): Cache folder. Default: torch hub's.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        WeightsDownloadError: The download failed.
    """
    try:
        return _mmcv_load_from_http(filename, map_location, model_dir)
    except (URLError, ConnectionError, TimeoutError) as err:
        cached = cache_file(filename, model_dir)
        reason = getattr(err, 'reason', err)
        raise WeightsDownloadError(
            f'cannot download the pretrained weights {filename} ({reason}) '
            f'and there is no copy in the cache, {cached}. Either copy the '
            'file there from a machine with internet access, point the '
            'config at a local copy with --cfg-options '
            f'model.pretrained=/path/to/{osp.basename(cached)} (or '
            'model.backbone.init_cfg.checkpoint=... for backbones set up '
            'with init_cfg), or train from scratch with --cfg-options '
            'model.pretrained=None.') from None
