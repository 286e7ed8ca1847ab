"""Export segmentors to ONNX and run the exported graphs with ONNX Runtime.

The graph of an ``EncoderDecoder`` (GSS-FF, GSS-FT-W, UPerNet, FCN, ...) is
its whole-image ``encode_decode``: normalised image (B, 3, H, W) → class
scores (B, K, H, W) at the input size; for GSS that includes the token
argmax, the tokenizer's decoder and X⁻¹. The stage-I
:class:`~gss.models.segmentors.MaskigeAutoencoder` exports label map
(B, 1, H, W) → class probabilities of its reconstruction.

:class:`ONNXRuntimeSegmentor` is an ``EncoderDecoder`` whose
``encode_decode`` runs such a graph, so mmseg's whole and sliding-window
inference, flipping and rescaling apply to it unchanged
(``tools/deploy_test.py``).

onnx and onnxruntime are an optional extra (``requirements/deploy.txt``).
"""
import hashlib
import json
import warnings

import mmcv
import numpy as np
import torch
from mmcv.cnn.utils import revert_sync_batchnorm
from mmseg.apis.inference import LoadImage
from mmseg.datasets.pipelines import Compose
from mmseg.models import build_segmentor
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.segmentors.base import BaseSegmentor
from torch import nn

from ..compat import use_export_friendly_layers
from ..models.segmentors import MaskigeAutoencoder
from ..models.segmentors.multi_domain import MultiDomainMixin
from ..utils import load_checkpoint
from .export_friendly import export_friendly

INSTALL_HINT = ('install them with `pip install -r requirements/deploy.txt` '
                '(or `pip install -e .[deploy]`)')
INPUT_NAME = 'input'
OUTPUT_NAME = 'output'
#: Opset of the exported graphs (ONNX Runtime 1.16+ runs it).
DEFAULT_OPSET = 17
#: Prefix of the metadata keys that record a graph's config identity.
META_PREFIX = 'gss.'


class DeployMismatchError(ValueError):
    """An ONNX graph does not fit the config or the input it is run with."""


def _digest(value):
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def graph_identity(cfg):
    """What a graph exported from ``cfg`` must agree with at test time.

    Args:
        cfg (mmcv.Config): The model's config.

    Returns:
        dict[str, str]: ``segmentor`` and ``decode_head`` types,
        ``num_classes``, ``palette`` (a hash of the maskige palette of a
        GSS model, else ``'none'``), ``img_norm`` (a hash of the test
        pipeline's ``Normalize``) and ``test_mode``.
    """
    model = cfg.model
    head = model.get('decode_head') or {}
    head = head[-1] if isinstance(head, (list, tuple)) else head
    palette = head.get('palette', model.get('palette'))
    norm = [step for step in _steps(cfg.data.test.pipeline)
            if step.get('type') == 'Normalize']
    test_cfg = model.get('test_cfg') or cfg.get('test_cfg') or {}
    return {
        'segmentor': model.type,
        'decode_head': str(head.get('type')),
        'num_classes': str(head.get('num_classes',
                                    model.get('num_classes'))),
        'palette': 'none' if palette is None else _digest(palette),
        'img_norm': _digest(norm),
        'test_mode': str(test_cfg.get('mode', 'whole')),
    }


def _steps(pipeline):
    """The steps of a pipeline, those inside ``transforms`` included."""
    for step in pipeline:
        yield step
        yield from _steps(step.get('transforms', []))


def write_identity(onnx_file, cfg):
    """Record :func:`graph_identity` in ``onnx_file``'s metadata.

    Args:
        onnx_file (str): An exported graph; rewritten in place.
        cfg (mmcv.Config): The config it was exported from.
    """
    import onnx
    graph = onnx.load(onnx_file)
    for key, value in graph_identity(cfg).items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = META_PREFIX + key, value
    onnx.save(graph, onnx_file)


def check_identity(session, cfg, onnx_file):
    """Refuse a graph exported from a config other than ``cfg``.

    Args:
        session (onnxruntime.InferenceSession): The graph's session.
        cfg (mmcv.Config): The config it is tested with.
        onnx_file (str): For the messages.

    Returns:
        list[str]: Notes: the graph records no identity (exported by an
        older GSS or another tool), or a test mode other than the
        config's (a dynamic graph runs in either mode).

    Raises:
        DeployMismatchError: Naming each setting that differs.
    """
    stored = {
        k[len(META_PREFIX):]: v
        for k, v in session.get_modelmeta().custom_metadata_map.items()
        if k.startswith(META_PREFIX)
    }
    if not stored:
        return [f'{onnx_file} records no config identity (exported by an '
                'older tools/pytorch2onnx.py?): not checked against the '
                'config']
    expected = graph_identity(cfg)
    notes = []
    if stored.get('test_mode', expected['test_mode']) != \
            expected['test_mode']:
        notes.append(f"{onnx_file} was exported with test mode "
                     f"{stored['test_mode']}, the config tests in "
                     f"{expected['test_mode']}")
    differ = [
        f'{key} {stored[key]} (config: {value})'
        for key, value in expected.items()
        if key != 'test_mode' and key in stored and stored[key] != value
    ]
    if differ:
        raise DeployMismatchError(
            f'{onnx_file} was exported from another config: '
            f'{"; ".join(differ)}. Test it with the config it was exported '
            'from, or export this config again with tools/pytorch2onnx.py')
    return notes


def require_onnxruntime():
    """Import onnx and onnxruntime, or explain how to install them.

    Returns:
        module: ``onnxruntime``.

    Raises:
        ImportError: One of them is missing.
    """
    try:
        import onnx  # noqa: F401  (torch.onnx.export writes through it)
        import onnxruntime
    except ImportError as err:
        raise ImportError(
            f'ONNX export and inference need onnx and onnxruntime ({err}): '
            f'{INSTALL_HINT}') from err
    return onnxruntime


class SegmentorExportWrapper(nn.Module):
    """Whole-image inference of an ``EncoderDecoder`` as a plain module.

    Args:
        segmentor (EncoderDecoder): The model, in eval mode.
    """

    input_kind = 'image'

    def __init__(self, segmentor):
        super().__init__()
        self.segmentor = segmentor

    def forward(self, img):
        """Class scores of normalised images.

        Args:
            img (Tensor): (B, 3, H, W) float, normalised as in the config.

        Returns:
            Tensor: (B, K, H, W) float class scores (logits, or one-hots
            for GSS-FF's training-free X⁻¹).
        """
        size = img.shape[2:]
        # The heads do not read the metas at test time; one entry suffices.
        meta = dict(img_shape=size, ori_shape=size, pad_shape=size,
                    flip=False)
        return self.segmentor.encode_decode(img, [meta])


class AutoencoderExportWrapper(nn.Module):
    """The stage-I reconstruction of label maps as a plain module.

    Args:
        segmentor (MaskigeAutoencoder): The model, in eval mode, with
            ``upsample_factor=1`` (label upsampling loops over the classes
            present, which a graph cannot hold).
    """

    input_kind = 'labels'

    def __init__(self, segmentor):
        super().__init__()
        if segmentor.upsample_factor != 1:
            raise ValueError(
                'only stage-I models with upsample_factor=1 export to ONNX '
                f'(got {segmentor.upsample_factor})')
        self.segmentor = segmentor

    def forward(self, labels):
        """Class probabilities of the reconstruction of label maps.

        Args:
            labels (Tensor): (B, 1, H, W) int64 class ids or
                ``ignore_index``.

        Returns:
            Tensor: (B, K, H, W) float probabilities.
        """
        return self.segmentor.inference(labels[:, 0], [dict(flip=False)],
                                        rescale=False)


def export_wrapper(segmentor):
    """The module to export for ``segmentor``, in eval mode.

    Args:
        segmentor (nn.Module): An ``EncoderDecoder`` or a
            ``MaskigeAutoencoder``.

    Returns:
        nn.Module: A :class:`SegmentorExportWrapper` or
        :class:`AutoencoderExportWrapper`.
    """
    if isinstance(segmentor, MaskigeAutoencoder):
        return AutoencoderExportWrapper(segmentor).eval()
    if isinstance(segmentor, EncoderDecoder):
        return SegmentorExportWrapper(segmentor).eval()
    raise TypeError('ONNX export supports EncoderDecoder segmentors and '
                    f'MaskigeAutoencoder, not {type(segmentor).__name__}')


def build_model(config, checkpoint=None, cfg_options=None):
    """Build a config's segmentor for export, strictly loading its weights.

    Args:
        config (str | mmcv.Config): The config.
        checkpoint (str, optional): Weights; loaded with the strict
            :func:`gss.utils.load_checkpoint` (a checkpoint that does not fit
            the config raises ``CheckpointMismatchError``). None keeps the
            random initialisation (for timing).
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        tuple[mmcv.Config, nn.Module]: The config and the model on the CPU,
        in eval mode, SyncBN layers reverted to BN.
    """
    cfg = mmcv.Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.model.pretrained = None
    cfg.model.train_cfg = None
    model = build_segmentor(cfg.model, test_cfg=cfg.get('test_cfg'))
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return cfg, revert_sync_batchnorm(model).cpu().eval()


def example_input(wrapper, shape, batch_size=1, seed=0):
    """A fixed random input for ``wrapper``.

    Args:
        wrapper (nn.Module): From :func:`export_wrapper`.
        shape (tuple[int]): (H, W).
        batch_size (int): B.
        seed (int): Generator seed.

    Returns:
        Tensor: (B, 3, H, W) standard-normal "normalised image", or for
        stage I (B, 1, H, W) int64 labels with an ignored band on top.
    """
    gen = torch.Generator().manual_seed(seed)
    if wrapper.input_kind == 'image':
        return torch.randn(batch_size, 3, *shape, generator=gen)
    model = wrapper.segmentor
    labels = torch.randint(model.num_classes, (batch_size, 1, *shape),
                           generator=gen)
    labels[..., :max(shape[0] // 8, 1), :] = model.ignore_index
    return labels


def load_input(cfg, wrapper, path, shape):
    """A real input: an image through the config's test pipeline (resized
    to ``shape``), or for stage I a label map (resized nearest).

    Args:
        cfg (mmcv.Config): The model's config.
        wrapper (nn.Module): From :func:`export_wrapper`.
        path (str): Image (or label PNG) file.
        shape (tuple[int]): (H, W).

    Returns:
        Tensor: (1, 3, H, W) float or (1, 1, H, W) int64.
    """
    if wrapper.input_kind == 'labels':
        labels = mmcv.imread(path, flag='unchanged')
        labels = mmcv.imresize(labels, shape[::-1], interpolation='nearest')
        return torch.from_numpy(labels.astype(np.int64))[None, None]
    pipeline = cfg.data.test.pipeline.copy()
    aug = mmcv.ConfigDict(pipeline[1], img_scale=tuple(shape[::-1]),
                          flip=False)
    aug.transforms = [
        dict(t, keep_ratio=False) if t['type'] == 'Resize' else t
        for t in aug.transforms
    ]
    data = Compose([LoadImage(), aug])(dict(img=path))
    return data['img'][0][None]


def export_onnx(wrapper, output_file, shape, dynamic=False, batch_size=1,
                opset_version=DEFAULT_OPSET):
    """Export a wrapped model with the TorchScript-based exporter.

    Tracing gives dynamic height, width and batch once the size-dependent
    layers run through :func:`gss.compat.use_export_friendly_layers` and
    :func:`export_friendly`; the ``torch.export`` path
    would stop at the models' data-dependent input checks.

    Args:
        wrapper (nn.Module): From :func:`export_wrapper`.
        output_file (str): Where to write the ``.onnx`` file.
        shape (tuple[int]): (H, W) of the example input.
        dynamic (bool): Make batch, height and width dynamic; otherwise the
            graph only takes ``(batch_size, ·, H, W)`` inputs.
        batch_size (int): Batch of the example input.
        opset_version (int): ONNX opset.
    """
    require_onnxruntime()
    example = example_input(wrapper, shape, batch_size)
    axes = {0: 'batch', 2: 'height', 3: 'width'}
    dynamic_axes = {INPUT_NAME: axes, OUTPUT_NAME: axes} if dynamic else None
    with torch.no_grad(), use_export_friendly_layers(), export_friendly(), \
            warnings.catch_warnings():
        # Tracing freezes the models' input checks (shape asserts, token
        # range checks) to their value on the example: intended, not news;
        # so is the legacy exporter's deprecation notice (chosen above).
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.simplefilter('ignore', DeprecationWarning)
        torch.onnx.export(
            wrapper, (example, ),
            output_file,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes=dynamic_axes,
            opset_version=opset_version,
            do_constant_folding=True,
            dynamo=False)


def inference_session(onnx_file):
    """An ONNX Runtime session of ``onnx_file`` on the CPU provider."""
    ort = require_onnxruntime()
    return ort.InferenceSession(onnx_file,
                                providers=['CPUExecutionProvider'])


def run_session(session, inputs):
    """Run a session on a tensor; return the output as a tensor.

    Raises:
        DeployMismatchError: The graph takes another fixed input shape.
    """
    dims = session.get_inputs()[0].shape
    fixed = [(d, n) for d, n in zip(dims, inputs.shape) if isinstance(d, int)]
    if len(dims) != inputs.dim() or any(d != n for d, n in fixed):
        raise DeployMismatchError(
            f'the ONNX graph takes inputs of shape {tuple(dims)} (exported '
            f'without --dynamic-export), not {tuple(inputs.shape)}: export '
            'it with --dynamic-export, or with --shape H W of the test '
            "inputs (the crop size in 'slide' mode)")
    return torch.from_numpy(session.run(
        [OUTPUT_NAME], {INPUT_NAME: inputs.cpu().numpy()})[0])


def compare_outputs(wrapper, session, inputs):
    """PyTorch against ONNX Runtime on one input.

    Args:
        wrapper (nn.Module): From :func:`export_wrapper`.
        session (onnxruntime.InferenceSession): Of its exported graph.
        inputs (Tensor): A model input.

    Returns:
        dict: ``max_abs_diff`` of the scores, ``label_agreement`` (share of
        pixels whose argmax class is the same) and the output ``shape``.
    """
    with torch.no_grad():
        expected = wrapper(inputs)
    actual = run_session(session, inputs)
    if actual.shape != expected.shape:
        raise ValueError(f'ONNX Runtime gave scores of shape '
                         f'{tuple(actual.shape)}, PyTorch '
                         f'{tuple(expected.shape)}')
    same = actual.argmax(1) == expected.argmax(1)
    return dict(
        max_abs_diff=float((actual - expected).abs().max()),
        label_agreement=float(same.float().mean()),
        shape=tuple(expected.shape))


class ONNXRuntimeSegmentor(EncoderDecoder):
    """An ``EncoderDecoder`` whose ``encode_decode`` is an exported graph.

    ``inference``, ``whole_inference``, ``slide_inference``,
    ``simple_test`` and ``aug_test`` are ``EncoderDecoder``'s, driven by the
    config's ``test_cfg``. Sliding windows need a graph exported with
    dynamic height and width, or at the crop size.

    A graph whose recorded identity (:func:`graph_identity`) differs from
    ``cfg``'s is refused (:func:`check_identity`).

    Args:
        onnx_file (str): Graph from :func:`export_onnx` (image input).
        cfg (mmcv.Config): The model's config (``test_cfg``,
            ``align_corners``, ``num_classes``).

    Attributes:
        identity_notes (list[str]): What :func:`check_identity` noted.
    """

    def __init__(self, onnx_file, cfg):
        # Nothing of EncoderDecoder's own modules is built: the graph
        # replaces backbone and heads.
        BaseSegmentor.__init__(self)
        if cfg.model.type == 'MaskigeAutoencoder':
            raise ValueError(
                'stage-I (MaskigeAutoencoder) graphs take label maps; '
                'deploy tests run image-input graphs')
        self.session = inference_session(onnx_file)
        self.identity_notes = check_identity(self.session, cfg, onnx_file)
        head = cfg.model.decode_head
        head = head[-1] if isinstance(head, (list, tuple)) else head
        self.test_cfg = cfg.model.get('test_cfg') or cfg.get('test_cfg')
        self.align_corners = head.get('align_corners', False)
        self.num_classes = head.num_classes
        self.out_channels = head.num_classes

    def extract_feat(self, img):
        raise NotImplementedError('an ONNX graph has no separate features')

    def forward_train(self, img, img_metas, gt_semantic_seg):
        raise NotImplementedError('ONNX graphs are for inference')

    def encode_decode(self, img, img_metas):
        """(B, 3, H, W) normalised images → (B, K, H, W) class scores."""
        return run_session(self.session, img).to(img.device)


class ONNXRuntimeMultiDomainSegmentor(MultiDomainMixin, ONNXRuntimeSegmentor):
    """:class:`ONNXRuntimeSegmentor` of an MSeg model: universal scores
    mapped to the test dataset's classes (see ``MultiDomainMixin``)."""


def build_onnx_segmentor(onnx_file, cfg):
    """The ONNX Runtime segmentor for ``cfg``'s segmentor type."""
    if cfg.model.type == 'MultiDomainEncoderDecoder':
        return ONNXRuntimeMultiDomainSegmentor(onnx_file, cfg)
    return ONNXRuntimeSegmentor(onnx_file, cfg)
