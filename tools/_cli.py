"""Helpers shared by the command-line tools (not a tool itself).

Imports only the standard library at module level, so that a tool can
build its parser and answer ``--help`` before importing torch, mmseg and
gss (seconds, or a minute on a busy machine). A config tool opens with::

    from _cli import add_cfg_options, load_config   # argparse helpers
    ...
    if __name__ == '__main__':
        parse_args()  # answers --help and usage errors before the imports
    import gss  # mmcv compatibility + registries, first
    ...
    def main(argv=None):
        args = parse_args(argv)
        cfg = load_config(args)   # --unsafe-load, --cfg-options applied

Run directly, it prints the number of torch threads that
:func:`sane_num_threads` suggests (``tools/quickstart.sh`` uses it).
"""
import argparse
import logging
import os

#: ``extra`` of log records that go to the log file but not the console
#: (``logger.info(msg, extra=FILE_ONLY)``).
FILE_ONLY = {'file_only': True}
#: Starts of third-party log messages kept off the console: mmcv's runner
#: prints its whole hook table (and its workflow and checkpoint backend)
#: before the first iteration, mmseg's ``setup_multi_processes``
#: (tools/test.py) its process settings.
FILE_ONLY_PREFIXES = ('Hooks will be executed in the following order',
                      'workflow: ', 'Checkpoints will be saved to',
                      'Multi-processing start method is',
                      'OpenCV num_threads is')


class LazyDictAction(argparse.Action):
    """mmcv's ``DictAction`` (``--cfg-options k=v ...``), imported only when
    the option is given, so that ``--help`` needs no heavy import."""

    def __call__(self, parser, namespace, values, option_string=None):
        import gss  # noqa: F401  (silences mmcv's import-time notices first)
        from mmcv import DictAction
        action = DictAction(self.option_strings, self.dest)
        action(parser, namespace, values, option_string)


def add_cfg_options(parser):
    """Add ``--cfg-options k=v ...`` (mmcv's ``DictAction``, lazily)."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=LazyDictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file (lists as '
        'key="[a,b]" or key=a,b, no white space).')


def add_unsafe_load(parser):
    """Add ``--unsafe-load`` (see :func:`load_config`)."""
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='allow checkpoints that need full unpickling (trusted files '
        'only; the default loads weights only)')


def add_launcher(parser):
    """Add ``--launcher`` and the ``--local_rank`` that torch launchers
    pass (see :func:`export_local_rank`)."""
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def export_local_rank(args):
    """Put ``--local_rank`` into ``LOCAL_RANK`` unless the launcher did."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)


def load_config(args):
    """The config of ``args.config`` with ``--cfg-options`` merged.

    An option whose value has another type than the config's default (a
    string for an integer) is an error (``check_option_types``). With
    ``--unsafe-load`` it also allows full unpickling of checkpoints for the
    rest of the process (``GSS_UNSAFE_LOAD=1``), before anything is
    loaded.

    Args:
        args (argparse.Namespace): ``config`` and, if the tool has them,
            ``cfg_options`` and ``unsafe_load``.

    Returns:
        mmcv.Config: The merged config.
    """
    from mmcv.utils import Config

    from gss.utils import UNSAFE_ENV
    from gss.apis.config_check import check_option_types
    if getattr(args, 'unsafe_load', False):
        os.environ[UNSAFE_ENV] = '1'
    cfg = Config.fromfile(args.config)
    if getattr(args, 'cfg_options', None) is not None:
        check_option_types(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def sane_num_threads():
    """Torch threads that the other jobs on this machine leave free.

    torch starts one thread per core; its operators wait for all of them,
    so when other jobs hold cores a step can take ten times longer than
    with one thread.

    Returns:
        int: The core count minus the rounded 1-minute load average, at
        least 1.
    """
    return max(1, (os.cpu_count() or 1) - round(os.getloadavg()[0]))


def check_threads():
    """Print one line when torch's threads oversubscribe a busy machine.

    Silent when ``OMP_NUM_THREADS`` is set (torch honours it), when the
    load leaves a core for each of torch's threads, and in distributed
    processes other than rank 0.

    Returns:
        str | None: The printed hint, if any.
    """
    if 'OMP_NUM_THREADS' in os.environ or os.environ.get('RANK', '0') != '0':
        return None
    import torch
    threads = torch.get_num_threads()
    if threads <= sane_num_threads():
        return None
    hint = (f'[gss] the CPU is busy (load average {os.getloadavg()[0]:.1f} '
            f'on {os.cpu_count()} cores) and torch uses {threads} threads: '
            f'if steps crawl, rerun with OMP_NUM_THREADS='
            f'{sane_num_threads()} (docs/get_started.md, "Shared machines")')
    print(hint, flush=True)
    return hint


class ConsoleFilter(logging.Filter):
    """Keep file-only records (see ``FILE_ONLY``) off the console."""

    def filter(self, record):
        if getattr(record, 'file_only', False):
            return False
        return not str(record.msg).startswith(FILE_ONLY_PREFIXES)


def _console_handlers(logger):
    return [
        h for h in logger.handlers if isinstance(h, logging.StreamHandler)
        and not isinstance(h, logging.FileHandler)
    ]


def quiet_console(logger=None):
    """Keep the console to progress and results; the log file gets all.

    * ``logger`` (mmseg's root logger) stops printing file-only records:
      the environment, the config, the model and mmcv's hook table.
    * mmcv's own logger, which ``init_weights`` reports to (one
      "initialize ..." line per module, and a line per parameter when it
      has no log file), prints warnings only and writes the rest to
      ``logger``'s log file.

    Args:
        logger (logging.Logger, optional): mmseg's root logger, from
            ``get_root_logger(log_file=...)``. Default: ``get_root_logger()``,
            console only (tools that keep no log file).
    """
    from mmseg.utils import get_root_logger
    logger = logger or get_root_logger()
    for handler in _console_handlers(logger):
        if not any(isinstance(f, ConsoleFilter) for f in handler.filters):
            handler.addFilter(ConsoleFilter())
    mmcv_logger = logging.getLogger('mmcv')
    for handler in _console_handlers(mmcv_logger):
        handler.setLevel(logging.WARNING)
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler) and \
                handler not in mmcv_logger.handlers:
            mmcv_logger.addHandler(handler)


if __name__ == '__main__':
    print(sane_num_threads())
