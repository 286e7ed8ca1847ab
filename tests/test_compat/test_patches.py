"""gss.compat: mmcv 1.7 on the pinned torch, pure-Python or mmcv-full."""
import logging
import os.path as osp
import re
import warnings

import numpy as np
import pytest
import torch
from mmcv.parallel import _functions
from mmcv.parallel.scatter_gather import scatter_kwargs

from gss import compat
from tests.conftest import ROOT


def test_scatter_streams_take_gpu_ids():
    """mmcv's Scatter asks for copy streams by integer GPU id; torch's
    ``_get_stream`` reads ``device.type`` and fails on an int."""
    assert compat.patch_scatter_streams()
    stream = _functions._get_stream(0)
    if torch.cuda.is_available():
        assert stream is not None and stream.device.index == 0
    else:
        assert stream is None
    assert _functions._get_stream(torch.device('cpu')) is None
    assert compat.patch_scatter_streams()  # idempotent: no double wrapping
    assert _functions._get_stream.__wrapped__ is not _functions._get_stream


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_scatter_moves_batches_to_the_gpu():
    (args, ), (kwargs, ) = scatter_kwargs((torch.ones(2), ),
                                          dict(x=torch.zeros(3)), [0])
    assert args[0].is_cuda and kwargs['x'].is_cuda
    torch.testing.assert_close(args[0].cpu(), torch.ones(2))


def test_pure_python_mmcv_ops_stand_in():
    """Without compiled ops, mmseg imports and the stand-in explains what is
    missing when it is used."""
    if not compat.stand_in_installed():
        pytest.skip('mmcv-full: the real mmcv.ops is in use')
    import mmcv.ops
    import mmseg.models  # noqa: F401  (imports focal_loss from mmcv.ops)
    with pytest.raises(RuntimeError, match='mmcv-full'):
        mmcv.ops.sigmoid_focal_loss()
    with pytest.raises(ModuleNotFoundError, match='pure-Python'):
        from mmcv.ops import DeformConv2d  # noqa: F401



#: The benign notices as their modules emit them (see gss.compat).
BENIGN = [
    ('On January 1, 2023, MMCV will release v2.0.0, in which it will remove '
     'components related to the training process', 'mmcv'),
    ('Fail to import ``MultiScaleDeformableAttention`` from '
     '``mmcv.ops.multi_scale_deform_attn``, You should install ``mmcv-full`` '
     'if you need this module. ', 'mmcv.cnn.bricks.transformer'),
    ("'pin_memory' argument is set as true but no accelerator is found, then "
     "device pinned memory won't be used.", 'torch.utils.data.dataloader'),
]


@pytest.mark.parametrize('message,module', BENIGN)
def test_benign_warnings_are_silenced_narrowly(message, module):
    """A benign notice is ignored from its own module only: the same text
    from our code, and any other warning of that module, still show."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        compat.silence_benign_warnings()
        for source in (module, 'gss.models.heads'):
            warnings.warn_explicit(message, UserWarning, f'{source}.py', 1,
                                   module=source)
        warnings.warn_explicit('a real problem', UserWarning, f'{module}.py',
                               2, module=module)
        warnings.warn_explicit(message, DeprecationWarning, f'{module}.py',
                               3, module=module)
    assert [(w.filename, w.lineno) for w in caught] == [
        ('gss.models.heads.py', 1), (f'{module}.py', 2), (f'{module}.py', 3)
    ]


def test_pin_memory_notice_from_torch_is_silenced():
    """mmseg's loaders ask for pinned memory; without an accelerator torch
    says it will not pin, on every loader."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        compat.silence_benign_warnings()
        iter(torch.utils.data.DataLoader([0], pin_memory=True))
    assert [str(w.message) for w in caught] == []


def test_cuda_home_log_notice_is_dropped():
    name, _ = compat.BENIGN_LOG
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        compat.silence_benign_warnings()
        compat.silence_benign_warnings()  # idempotent: one filter
        logger.warning("No CUDA runtime is found, using CUDA_HOME='%s'",
                       '/usr/local/cuda')
        logger.warning('No ROCm runtime is found, using ROCM_HOME=%s', '/x')
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == [
        'No ROCm runtime is found, using ROCM_HOME=/x'
    ]
    assert sum(isinstance(f, compat.messages._DropMessage)
               for f in logger.filters) == 1


def test_every_patch_is_applied_by_import_gss(fresh_import):
    """In a fresh interpreter, ``import gss`` alone puts every registered
    patch in place."""
    assert fresh_import['patches'] == {p.name: True for p in compat.PATCHES}


def test_patches_are_documented_with_reason_and_target():
    patches = [(p.name, p.target, p.apply) for p in compat.PATCHES] + [
        (p.name, p.target, p.context) for p in compat.SCOPED_PATCHES
    ]
    assert len({name for name, _, _ in patches}) == len(patches)
    for name, target, func in patches:
        assert len(func.__doc__.split()) >= 15, name
        assert re.search(r'(mmcv|mmseg|torch) \d', target), name


@pytest.mark.parametrize('marker,patches', [
    ('compat-patches', compat.PATCHES),
    ('compat-scoped-patches', compat.SCOPED_PATCHES),
])
def test_install_md_lists_the_patches_of_the_code(marker, patches):
    """install.md's tables of what ``import gss`` changes, at import and
    inside ``with`` blocks, are the code's lists, in the code's order, with
    the same targets."""
    with open(osp.join(ROOT, 'install.md'), encoding='utf-8') as f:
        text = f.read()
    table = re.search(rf'<!-- {marker}:.*?-->\n(.*?)<!-- /{marker} -->',
                      text, re.S).group(1)
    rows = [line.split('|')[1:3] for line in table.splitlines()[2:]]
    assert [(name.strip().strip('`'), target.strip())
            for name, target in rows] == [(p.name, p.target)
                                          for p in patches]


def test_patch_checks_see_the_upstream_state(monkeypatch):
    """The checks of the patches that install GSS objects over upstream
    names report False while the upstream object is back in place."""
    import mmcv.runner
    import mmseg.apis.inference
    import mmseg.apis.train
    import mmseg.utils
    from mmcv.runner import RUNNERS, CheckpointLoader
    from mmseg.datasets import CustomDataset
    from mmseg.datasets.pipelines import LoadAnnotations

    from gss.utils import downloads
    checks = {p.name: p.is_applied for p in compat.PATCHES}
    upstream = [
        ('use_weights_only_checkpoint_loading', CheckpointLoader._schemes,
         '', mmcv.runner.checkpoint.load_from_local),
        ('explain_failed_weight_downloads', vars(mmcv.runner.checkpoint),
         'load_from_http', downloads._mmcv_load_from_http),
        ('explain_failed_weight_downloads', CheckpointLoader._schemes,
         'https://', downloads._mmcv_load_from_http),
        ('check_label_maps', CustomDataset, 'pre_pipeline',
         CustomDataset.pre_pipeline.__wrapped__),
        ('check_label_maps', LoadAnnotations, '__call__',
         LoadAnnotations.__call__.__wrapped__),
        ('use_safe_iter_based_runner', RUNNERS._module_dict,
         'IterBasedRunner', mmcv.runner.IterBasedRunner),
        ('make_init_segmentor_strict', vars(mmseg.apis.inference),
         'load_checkpoint', mmcv.runner.load_checkpoint),
        ('route_mmseg_ddp_through_gss', vars(mmseg.apis.train), 'build_ddp',
         mmseg.utils.build_ddp),
    ]
    for name, namespace, key, original in upstream:
        assert checks[name](), name
        with monkeypatch.context() as patched:
            if isinstance(namespace, dict):
                patched.setitem(namespace, key, original)
            else:
                patched.setattr(namespace, key, original)
            assert not checks[name](), (name, key)


def argmax_scores():
    """(2, 11, 36, 48) class scores with many ties."""
    torch.manual_seed(0)
    return torch.randint(0, 3, (2, 11, 36, 48)).float()


def test_simple_test_labels_are_mmseg_argmax_labels(monkeypatch):
    """The installed ``EncoderDecoder.simple_test`` returns what mmseg's
    returns, ``list(seg_logit.argmax(dim=1).cpu().numpy())``: first class
    on ties (export swaps in mmseg's exported form:
    ``tests/test_deploy/test_export_friendly.py``)."""
    from mmseg.models.segmentors import EncoderDecoder

    from gss.models.segmentors.fast_simple_test import FastSimpleTestMixin
    check = {p.name: p.is_applied for p in compat.PATCHES}[
        'use_fast_simple_test_argmax']
    assert EncoderDecoder.simple_test is FastSimpleTestMixin.simple_test
    assert check()
    scores = argmax_scores()

    class Model(FastSimpleTestMixin):

        def inference(self, img, img_meta, rescale):
            return scores

    labels = Model().simple_test(None, None)
    expected = scores.argmax(dim=1).numpy()
    assert len(labels) == 2
    for label, want in zip(labels, expected):
        assert label.dtype == want.dtype and np.array_equal(label, want)
    monkeypatch.setattr(EncoderDecoder, 'simple_test', lambda *args: None)
    assert not check()


def test_gss_segmentors_take_fast_labels_without_the_patch(monkeypatch):
    """GSS's segmentors inherit the fast ``simple_test``: they never reach
    mmseg's ``EncoderDecoder.simple_test``, patched or not (the patch is
    for models built as mmseg's ``EncoderDecoder``)."""
    from mmseg.models.segmentors import EncoderDecoder

    from gss.models.segmentors import (GSSEncoderDecoder,
                                       MultiDomainEncoderDecoder)

    def upstream(*args):
        raise AssertionError('reached EncoderDecoder.simple_test')

    monkeypatch.setattr(EncoderDecoder, 'simple_test', upstream)
    scores = argmax_scores()

    class Model(GSSEncoderDecoder):

        def __init__(self):
            torch.nn.Module.__init__(self)
            self.return_maskige = False

        def inference(self, img, img_meta, rescale):
            return scores

    labels = Model().simple_test(None, None)
    assert np.array_equal(np.stack(labels), scores.argmax(dim=1).numpy())
    assert issubclass(MultiDomainEncoderDecoder, GSSEncoderDecoder)
