"""bfloat16 mixed precision and channels-last memory format on the CPU.

The CPU counterpart of mmcv's fp16 support. A config enables it with::

    cpu_bf16 = dict(channels_last=True)

and, for backbones with depthwise convolutions (MobileNet, EfficientNet),
``fp32_depthwise=True`` as well, which trains those in fp32.

``tools/train.py`` and ``tools/test.py`` then call
:func:`wrap_cpu_bf16_model` on the segmentor when it runs on the CPU, as
``tools/test.py`` calls mmcv's ``wrap_fp16_model`` for ``fp16 = dict()``.
On CUDA the key is ignored: the fp16 path (``Fp16OptimizerHook``) is the
one to use there.

bf16 pays only on CPUs with bf16 arithmetic (AVX512-BF16 or AMX: Intel
Xeon from Cooper Lake / Sapphire Rapids, AMD EPYC from Zen 4). Elsewhere
oneDNN and the matmul kernels emulate it, far slower than fp32 (on an
AVX2 EPYC 13x for a channels-last 3x3 convolution, 160x for a matmul:
``benchmarks/results/bench_cpu_kernels_avx2.json``), so there the switch
keeps fp32 (channels-last stays, it is faster in fp32 too) and warns,
unless ``require_native=False``.
"""
import types
import warnings

import torch
from torch import nn


class CPUBf16Autocast:
    """Forward hooks that run a module's forward in bf16 CPU autocast.

    The pre-hook enters ``torch.autocast('cpu', torch.bfloat16)`` and the
    forward hook leaves it, also when the forward raises. Contexts are kept
    on a stack, so a re-entrant forward nests correctly.
    """

    def __init__(self):
        self._contexts = []

    def enter(self, module, args):
        """Forward pre-hook: enter autocast (``module``, ``args`` unused)."""
        context = torch.autocast('cpu', dtype=torch.bfloat16)
        context.__enter__()
        self._contexts.append(context)

    def exit(self, module, args, output):
        """Forward hook: leave the innermost autocast context."""
        self._contexts.pop().__exit__(None, None, None)


def train_in_fp32(module):
    """Make ``module`` run in fp32, outside autocast, when autograd records
    its backward (training); otherwise (testing, or frozen layers that no
    gradient passes through) it keeps the autocast dtypes.

    Like mmcv's ``patch_norm_fp32``, the instance's ``forward`` is replaced
    (the class, parameters and state-dict keys stay), here by a method
    with a ``with`` block, which ``torch.compile`` traces as well and
    ``copy.deepcopy`` binds to the copy.

    Args:
        module (nn.Module): A module whose class's forward takes tensors.

    Returns:
        nn.Module: ``module``, patched in place.
    """
    module.forward = types.MethodType(fp32_training_forward, module)
    return module


def fp32_training_forward(self, *args):
    """The forward :func:`train_in_fp32` installs."""
    forward = type(self).forward
    if not records_backward(self, args):
        return forward(self, *args)
    with torch.autocast('cpu', enabled=False):
        return forward(self, *(
            arg.float() if torch.is_tensor(arg) and arg.is_floating_point()
            else arg for arg in args))


def records_backward(module, args):
    """Whether autograd will record ``module``'s forward on ``args``."""
    return torch.is_grad_enabled() and any(
        tensor.requires_grad for tensor in (
            *module.parameters(recurse=False),
            *(arg for arg in args if torch.is_tensor(arg))))


def is_depthwise_conv(module):
    """Whether ``module`` is a 2-D depthwise convolution (one filter group
    per input channel)."""
    return (isinstance(module, nn.Conv2d) and module.groups > 1
            and module.groups == module.in_channels)


def cpu_has_native_bf16():
    """Whether this CPU computes in bf16 natively (AVX512-BF16 or AMX), so
    that oneDNN's bf16 convolutions and matmuls are faster than fp32."""
    return torch.cpu._is_avx512_bf16_supported() or \
        torch.cpu._is_amx_tile_supported()


def bf16_applies(require_native=True):
    """Whether :func:`wrap_cpu_bf16_model` with this ``require_native``
    turns bf16 autocast on here."""
    return not require_native or cpu_has_native_bf16()


class EmulatedBf16Warning(UserWarning):
    """``cpu_bf16`` was asked for on a CPU without bf16 arithmetic."""


def wrap_cpu_bf16_model(model, channels_last=True, fp32_depthwise=False,
                        require_native=True):
    """Run ``model``'s forward in bfloat16 autocast on the CPU.

    Convolutions and matmuls of the forward run in bf16 (AMX / AVX512-BF16
    kernels) and their outputs stay bf16 through the element-wise layers;
    losses (cross-entropy is on autocast's fp32 list) and batch-norm
    statistics stay fp32, and the project's tokenizers compute their codes
    in fp32 under it. The parameters (master weights), gradients, optimizer state
    and checkpoints stay fp32; the backward pass runs outside autocast,
    in the dtypes the forward recorded. No loss scaling is needed: bf16 has
    fp32's exponent range.

    The whole forward of the segmentor is wrapped (``forward_train`` and
    ``forward_test`` of every head, the evaluation hook included), not only
    ``decode_head.forward``, because heads such as GSS-FT-W compute their
    outputs outside it.

    Args:
        model (nn.Module): The segmentor, on the CPU.
        channels_last (bool): Also store 4-D weights (hence conv
            activations) channels-last, where oneDNN's bf16 convolutions
            are fastest. Parameters keep their identity, so an optimizer
            built before or after this call trains them alike.
        fp32_depthwise (bool): Train depthwise convolutions (e.g. the
            MobileNet / EfficientNet blocks) in fp32: oneDNN has no fast
            bf16 kernel for their backward pass, which is 2-7x slower
            than fp32 channels-last on an AMX CPU
            (``benchmarks/bench_precision.py``). Their forward without
            gradients (testing, validation) stays bf16, which is as fast
            as fp32 and needs no casts.
        require_native (bool): Where the CPU has no bf16 arithmetic
            (:func:`cpu_has_native_bf16`), keep fp32 (and channels-last,
            if asked for) and warn (:class:`EmulatedBf16Warning`) instead
            of running several times slower than fp32. ``False`` runs bf16
            anyway, e.g. to check its numerics on such a CPU.

    Returns:
        nn.Module: ``model`` itself, wrapped in place.
    """
    if not bf16_applies(require_native):
        warnings.warn(
            'cpu_bf16: this CPU has no bf16 arithmetic (AVX512-BF16 or '
            'AMX), where bf16 runs several times slower than fp32; the '
            'model stays fp32' + (' (channels-last)' if channels_last else
                                  '') +
            '. Set cpu_bf16.require_native=False to run bf16 anyway.',
            EmulatedBf16Warning, stacklevel=2)
        if channels_last:
            model.to(memory_format=torch.channels_last)
        return model
    autocast = CPUBf16Autocast()
    model.register_forward_pre_hook(autocast.enter)
    model.register_forward_hook(autocast.exit, always_call=True)
    if fp32_depthwise:
        for module in model.modules():
            if is_depthwise_conv(module):
                train_in_fp32(module)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    return model


def apply_cpu_bf16(model, cfg, device):
    """Wrap ``model`` if ``cfg`` sets ``cpu_bf16`` and it runs on the CPU.

    Args:
        model (nn.Module): The segmentor, not yet moved to its device.
        cfg (mmcv.Config): The config; ``cfg.cpu_bf16`` holds the
            keyword arguments of :func:`wrap_cpu_bf16_model`.
        device (str): The device the model will run on.

    Returns:
        str | None: What the model now runs in: ``'bf16'``, ``'fp32'``
        (the CPU has no bf16 arithmetic, see :func:`wrap_cpu_bf16_model`),
        or ``None`` where the config does not apply.
    """
    bf16_cfg = cfg.get('cpu_bf16', None)
    if bf16_cfg is None or device != 'cpu':
        return None
    wrap_cpu_bf16_model(model, **bf16_cfg)
    return 'bf16' if bf16_applies(bf16_cfg.get('require_native', True)) \
        else 'fp32'
