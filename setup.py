import os.path as osp

from setuptools import find_packages, setup


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
