"""Compile a segmentor's compute with ``torch.compile``, from the config.

A config enables it with (mmseg 1.x / mmengine spell the same switch
``compile``)::

    compile = dict()                       # TorchInductor, static shapes
    compile = dict(modules=('backbone', ), mode='max-autotune')

``tools/train.py`` and ``tools/test.py`` then call :func:`apply_compile`.
Each named child of the segmentor is compiled in place with
``nn.Module.compile``, so parameter names, state dicts and checkpoints do
not change and an optimizer built before or after trains the same tensors.
Only calls of a compiled module (``module(x)``) take the compiled path:
for mmseg heads that is ``forward`` (features to logits); losses,
tokenizers' encoding of targets and ``forward_test``'s decoding stay eager
unless their module is named too (e.g. ``'decode_head.tokenizer'``).

Why: on a CPU, small convolutional models are memory-bound (batch norm,
activations, depthwise convolutions), which bf16 alone does not speed up;
TorchInductor fuses those element-wise passes into the convolutions'
neighbours. The first call of each input shape compiles (minutes on two
CPU cores) — the cost is paid once per run.
"""
import torch

#: The segmentor's children compiled when ``modules`` is not given.
DEFAULT_MODULES = ('backbone', 'neck', 'decode_head', 'auxiliary_head')


def _named_child(model, path):
    """The submodule at dotted ``path``, or None where a part is missing."""
    module = model
    for name in path.split('.'):
        module = getattr(module, name, None)
        if module is None:
            return None
    return module


def compile_segmentor(model, modules=None, **compile_kwargs):
    """Compile the submodules ``modules`` of ``model`` in place.

    Args:
        model (nn.Module): The segmentor.
        modules (Sequence[str] | None): Dotted submodule names; missing
            ones (e.g. ``neck`` of a model without one) are skipped, a
            ``nn.ModuleList`` (several auxiliary heads) compiles each item.
            Default: :data:`DEFAULT_MODULES`.
        **compile_kwargs: Passed to ``torch.compile`` (``backend``,
            ``mode``, ``dynamic``, ``fullgraph``, ``options``).
            ``dynamic`` defaults to False: training crops and test images
            then each get a graph specialised to their shape.

    Returns:
        list[str]: The names compiled.

    Raises:
        ValueError: If ``modules`` names nothing that ``model`` has.
    """
    modules = DEFAULT_MODULES if modules is None else tuple(modules)
    compile_kwargs.setdefault('dynamic', False)
    compiled = []
    for path in modules:
        module = _named_child(model, path)
        if module is None:
            continue
        items = module if isinstance(module, torch.nn.ModuleList) else [
            module
        ]
        for item in items:
            item.compile(**compile_kwargs)
        compiled.append(path)
    if not compiled:
        raise ValueError(
            f'compile.modules={list(modules)} names no submodule of '
            f'{type(model).__name__}; its children are '
            f'{[name for name, _ in model.named_children()]}')
    return compiled


def apply_compile(model, cfg):
    """Compile ``model`` if ``cfg`` sets ``compile``.

    Args:
        model (nn.Module): The segmentor, after any
            :func:`gss.apis.apply_cpu_bf16` (autocast wraps the compiled
            calls, which are traced in bf16).
        cfg (mmcv.Config): The config; ``cfg.compile`` is True or a dict of
            the keyword arguments of :func:`compile_segmentor`.

    Returns:
        list[str]: The names compiled (empty if ``compile`` is not set).
    """
    compile_cfg = cfg.get('compile', None)
    if compile_cfg is None or compile_cfg is False:
        return []
    if compile_cfg is True:
        compile_cfg = {}
    if not isinstance(compile_cfg, dict):
        raise TypeError(
            f'compile must be True or a dict of torch.compile options, got '
            f'{compile_cfg!r}')
    return compile_segmentor(model, **compile_cfg)
