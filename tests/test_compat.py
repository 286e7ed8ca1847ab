"""gss.compat: mmcv 1.7 on the pinned torch, pure-Python or mmcv-full."""
import pytest
import torch
from mmcv.parallel import _functions
from mmcv.parallel.scatter_gather import scatter_kwargs

from gss import compat


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
    if not compat.STAND_IN_INSTALLED:
        pytest.skip('mmcv-full: the real mmcv.ops is in use')
    import mmcv.ops
    import mmseg.models  # noqa: F401  (imports focal_loss from mmcv.ops)
    with pytest.raises(RuntimeError, match='mmcv-full'):
        mmcv.ops.sigmoid_focal_loss()
    with pytest.raises(ModuleNotFoundError, match='pure-Python'):
        from mmcv.ops import DeformConv2d  # noqa: F401
