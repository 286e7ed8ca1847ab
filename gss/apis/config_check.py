"""Catch misspelt config keys before a run starts.

mmcv and mmseg ignore most unknown config keys (``evaluation.intervl``,
``model.test_cfg.mod``, a top-level ``runnner``) or fail on them only when
they are first used (``checkpoint_config.intervl`` at the first checkpoint
save, after all training until then). :func:`check_train_config` and
:func:`check_test_config` raise one :class:`ConfigKeyError` listing every
unknown key with the closest known one.

The keys a section accepts are read from the signatures of the code that
consumes it (the hook classes, the runner's ``save_checkpoint``, the
dataset's ``evaluate``), following ``**kwargs`` to where they end up.
Only the top level and ``test_cfg`` are lists, because their readers access
attributes: :data:`TOP_LEVEL_KEYS` and :data:`TEST_CFG_KEYS`.
"""
import difflib
import inspect

from mmcv.runner import HOOKS, CheckpointHook
from mmseg.core import DistEvalHook, EvalHook
from mmseg.datasets import DATASETS, CustomDataset

from .precision import wrap_cpu_bf16_model
from .runner import SafeIterBasedRunner

#: Top-level keys read by tools/train.py, tools/test.py, mmseg's
#: ``train_segmentor`` and the mmcv runner. Configs may define other
#: top-level variables to build these from (``crop_size``,
#: ``train_pipeline``, ...), so an unknown top-level key is an error only
#: when it is a near miss of one of these.
TOP_LEVEL_KEYS = (
    # the model and its data
    'model', 'data', 'train_cfg', 'test_cfg', 'custom_imports',
    # optimisation
    'optimizer', 'optimizer_config', 'lr_config', 'momentum_config', 'runner',
    'total_iters', 'fp16', 'find_unused_parameters',
    # speed (gss.apis)
    'cpu_bf16', 'compile', 'cpu_retain_memory',
    # hooks
    'checkpoint_config', 'evaluation', 'log_config', 'custom_hooks',
    # the run
    'work_dir', 'load_from', 'resume_from', 'auto_resume', 'workflow',
    'dist_params', 'log_level', 'cudnn_benchmark', 'gpu_ids', 'seed',
    'device', 'mp_start_method', 'opencv_num_threads')

#: ``test_cfg`` keys and their readers: mmseg's ``EncoderDecoder`` (mode,
#: crop_size, stride), mmseg's ``PointHead`` (subdivision_steps,
#: subdivision_num_points, scale_factor) and GSS's
#: ``MultiDomainEncoderDecoder`` (dataset_name, taxonomy_mapping).
TEST_CFG_KEYS = ('mode', 'crop_size', 'stride', 'subdivision_steps',
                 'subdivision_num_points', 'scale_factor', 'dataset_name',
                 'taxonomy_mapping')

#: ``log_config`` keys read by mmcv's ``BaseRunner.register_logger_hooks``.
LOG_CONFIG_KEYS = ('interval', 'hooks')


class ConfigKeyError(KeyError):
    """A config has keys that nothing reads."""

    def __str__(self):
        return self.args[0]


def accepted_keys(cls, method='__init__'):
    """Keyword arguments that ``cls.<method>`` accepts.

    Where the method takes ``**kwargs``, the same method of the next base
    class that defines one is followed (``super().__init__(**kwargs)``).

    Args:
        cls (type): The class.
        method (str): Method name. Default: '__init__'.

    Returns:
        set[str]: Parameter names, without ``self``.
    """
    keys = set()
    for klass in cls.__mro__[:-1]:  # object's catch-all last
        func = klass.__dict__.get(method)
        if func is None:
            continue
        params = inspect.signature(func).parameters.values()
        keys |= {
            p.name
            for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                          p.KEYWORD_ONLY)
        }
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    keys.discard('self')
    return keys


def _unknown(section, keys, known, cutoff=0.6):
    """One line per key of ``keys`` outside ``known``, with a hint."""
    problems = []
    for key in sorted(set(keys) - set(known)):
        close = difflib.get_close_matches(key, sorted(known), n=1,
                                          cutoff=cutoff)
        hint = f" (did you mean '{close[0]}'?)" if close else ''
        problems.append(f'unknown key {section}{key}{hint}; known: '
                        f'{", ".join(sorted(known))}')
    return problems


def _raise(problems):
    if problems:
        raise ConfigKeyError('config error:\n  ' + '\n  '.join(problems))


def _hook_keys(hook_cfg, default_type=None):
    """Keys of a hook config, or None for an unregistered type (which the
    hook builder reports itself)."""
    hook_cls = HOOKS.get(hook_cfg.get('type', default_type))
    if hook_cls is None:
        return None
    keys = accepted_keys(hook_cls) | {'type'}
    if issubclass(hook_cls, CheckpointHook):
        # CheckpointHook passes its **kwargs to runner.save_checkpoint.
        keys |= accepted_keys(SafeIterBasedRunner, 'save_checkpoint')
    return keys


def _evaluate_keys(dataset_cfg, methods=('evaluate', )):
    """Keys that the dataset of ``dataset_cfg`` takes in ``methods``."""
    dataset_type = (dataset_cfg or {}).get('type')
    dataset_cls = DATASETS.get(dataset_type) if isinstance(
        dataset_type, str) else None
    # Wrappers (ConcatDataset, MSegTestSuite) pass **kwargs on to
    # CustomDataset.evaluate.
    keys = accepted_keys(CustomDataset, 'evaluate')
    for method in methods if dataset_cls is not None else ():
        keys |= accepted_keys(dataset_cls, method)
    return keys - {'results', 'logger'}


def _common_problems(cfg):
    """Unknown keys of ``test_cfg`` and ``cpu_bf16``, which both tools
    read."""
    problems = []
    bf16_cfg = cfg.get('cpu_bf16')
    if bf16_cfg is not None and not isinstance(bf16_cfg, dict):
        problems.append(f'cpu_bf16 = {bf16_cfg!r}: it takes a dict of '
                        'options, e.g. cpu_bf16 = dict(channels_last=True)')
    elif bf16_cfg:
        problems += _unknown(
            'cpu_bf16.', bf16_cfg,
            set(inspect.signature(wrap_cpu_bf16_model).parameters) -
            {'model'})
    for section, test_cfg in (('model.test_cfg.',
                               cfg.get('model', {}).get('test_cfg')),
                              ('test_cfg.', cfg.get('test_cfg'))):
        if test_cfg:
            problems += _unknown(section, test_cfg, TEST_CFG_KEYS)
    return problems


def _top_level_problems(cfg):
    """Top-level keys that are near misses of :data:`TOP_LEVEL_KEYS`."""
    problems = []
    for key in sorted(set(cfg.keys()) - set(TOP_LEVEL_KEYS)):
        close = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1,
                                          cutoff=0.8)
        if close:
            problems.append(f"unknown top-level key {key} (did you mean "
                            f"'{close[0]}'?)")
    return problems


#: Run lengths each runner type reads, which must be positive.
RUN_LENGTHS = {'IterBasedRunner': 'max_iters', 'EpochBasedRunner':
               'max_epochs'}


def _value_problems(cfg):
    """Settings under which a training would run but do nothing: a run
    length or logging interval that is not a positive integer."""
    problems = []
    runner = cfg.get('runner') or {}
    length = RUN_LENGTHS.get(runner.get('type'))
    if length is not None and length in runner:
        value = runner[length]
        if isinstance(value, bool) or not isinstance(value, int) or \
                value <= 0:
            problems.append(
                f'runner.{length} = {value!r}: a training needs a positive '
                f'number of {length[4:]} (e.g. runner.{length}=80000); to '
                'only evaluate a checkpoint, use tools/test.py')
    interval = (cfg.get('log_config') or {}).get('interval')
    if interval is not None and (isinstance(interval, bool) or
                                 not isinstance(interval, int) or
                                 interval <= 0):
        problems.append(
            f'log_config.interval = {interval!r}: the logger prints every '
            'interval iterations and needs a positive integer (e.g. 50)')
    return problems


def _lookup(cfg, key):
    """The value at the dotted ``key`` of ``cfg`` (list items by index),
    or ``KeyError``."""
    value = cfg
    for part in key.split('.'):
        if isinstance(value, (list, tuple)) and part.isdigit() and \
                int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise KeyError(key)
    return value


def _type_name(value):
    return {bool: 'true/false', int: 'an integer', float: 'a number'}[
        type(value)]


def check_option_types(cfg, options):
    """Raise if a ``--cfg-options`` value cannot stand where it goes.

    mmcv's ``DictAction`` turns what looks like a number into one and keeps
    anything else a string, so ``runner.max_iters=8O`` or
    ``optimizer.lr=1e-2,`` would reach the runner as a string or a list
    and fail deep inside it, or silently compare wrongly. A value whose
    config default is a boolean, an integer or a number must be one too
    (an integer is fine for a number, ``None`` anywhere).

    Args:
        cfg (mmcv.Config): The config before the options are merged.
        options (dict): Parsed ``--cfg-options``.

    Raises:
        ConfigKeyError: Naming each option, its value and what it needs.
    """
    problems = []
    values = dict(cfg.items())  # mmcv's Config is no dict itself
    for key, new in (options or {}).items():
        try:
            old = _lookup(values, key)
        except KeyError:
            continue  # a new key: check_*_config judges its name
        if new is None or type(old) not in (bool, int, float):
            continue
        fits = type(new) is type(old) or (type(old) is float and
                                          type(new) is int)
        if not fits:
            problems.append(
                f'--cfg-options {key}={new!r}: {key} is {_type_name(old)} '
                f'in the config ({old!r}); give one, e.g. {key}={old!r}')
    _raise(problems)


def check_train_config(cfg):
    """Raise if a training config has keys nothing reads.

    Checks the top level (near misses of :data:`TOP_LEVEL_KEYS`), the run
    length and logging interval (positive integers),
    ``checkpoint_config`` (the hook's and GSS's runner's
    ``save_checkpoint`` arguments), ``evaluation`` (mmseg's ``EvalHook``/``DistEvalHook`` and
    the val dataset's ``evaluate``), ``log_config`` and its hooks, and
    ``model.test_cfg`` and ``cpu_bf16`` (the arguments of
    :func:`gss.apis.wrap_cpu_bf16_model`).

    Args:
        cfg (mmcv.Config): The merged config (after ``--cfg-options``).

    Raises:
        ConfigKeyError: Listing each unknown key and the closest known one.
    """
    problems = _top_level_problems(cfg) + _value_problems(cfg)

    checkpoint_cfg = cfg.get('checkpoint_config')
    known = _hook_keys(checkpoint_cfg, 'CheckpointHook') \
        if checkpoint_cfg else None
    if known:
        problems += _unknown('checkpoint_config.', checkpoint_cfg, known)

    eval_cfg = cfg.get('evaluation')
    if eval_cfg:
        known = (accepted_keys(EvalHook) | accepted_keys(DistEvalHook)
                 | _evaluate_keys(cfg.get('data', {}).get('val'))) - {
                     'dataloader'}
        problems += _unknown('evaluation.', eval_cfg, known)

    log_cfg = cfg.get('log_config')
    if log_cfg:
        problems += _unknown('log_config.', log_cfg, LOG_CONFIG_KEYS)
        for i, hook_cfg in enumerate(log_cfg.get('hooks', [])):
            known = _hook_keys(hook_cfg)
            if known:
                problems += _unknown(f'log_config.hooks[{i}].', hook_cfg,
                                     known)

    problems += _common_problems(cfg)
    _raise(problems)


def check_test_config(cfg, eval_options=None):
    """Raise if the top level (near misses of :data:`TOP_LEVEL_KEYS`),
    ``test_cfg``, ``cpu_bf16`` or the evaluation options have unknown keys.

    Args:
        cfg (mmcv.Config): The merged config.
        eval_options (dict, optional): ``--eval-options`` of tools/test.py,
            passed to the test dataset's ``evaluate`` or ``format_results``.

    Raises:
        ConfigKeyError: Listing each unknown key and the closest known one.
    """
    problems = _top_level_problems(cfg) + _common_problems(cfg)
    if eval_options:
        known = _evaluate_keys(cfg.data.get('test'),
                               ('evaluate', 'format_results'))
        problems += _unknown('--eval-options ', eval_options,
                             known - {'metric', 'indices'})
    _raise(problems)
