import os.path as osp

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

#: Startup hook (see gss_mmcv_ops.py): site-packages runs its import line
#: when Python starts.
STARTUP_PTH = 'gss-mmcv-ops.pth'
STARTUP_LINE = 'import gss_mmcv_ops; gss_mmcv_ops.install_finder()\n'


class BuildPyWithStartupHook(build_py):
    """``build_py`` that also puts :data:`STARTUP_PTH` next to the packages,
    i.e. into site-packages, for regular and editable installs."""

    def run(self):
        super().run()
        with open(self._startup_pth(), 'w') as f:
            f.write(STARTUP_LINE)

    def _startup_pth(self):
        folder = self.build_lib
        if getattr(self, 'editable_mode', False):
            # An editable wheel takes the packages from the source tree and
            # other files only from the folder its install step fills.
            folder = self.get_finalized_command('install').install_lib
        return osp.join(folder, STARTUP_PTH)

    def get_outputs(self, include_bytecode=1):
        return super().get_outputs(include_bytecode) + [self._startup_pth()]


def read_version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'gss', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def read_requirements(path):
    with open(osp.join(osp.dirname(__file__), path)) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip() and not line.startswith('-r')
        ]


setup(
    name='gss',
    version=read_version(),
    description='Generative Semantic Segmentation (CVPR 2023) for '
    'mmsegmentation 0.x',
    long_description=open('README.md').read()
    if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.8',
    packages=find_packages(include=['gss', 'gss.*']),
    py_modules=['gss_mmcv_ops'],
    cmdclass={'build_py': BuildPyWithStartupHook},
    include_package_data=True,
    package_data={'gss': ['maskige/palettes/*.json', 'datasets/mseg_taxonomy/*']},
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require={
        'tests': read_requirements('requirements/tests.txt'),
        'optional': read_requirements('requirements/optional.txt'),
        'deploy': read_requirements('requirements/deploy.txt'),
    },
    zip_safe=False,
)
