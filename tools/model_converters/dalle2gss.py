"""Convert OpenAI's DALL·E dVAE files to a weights-only GSS checkpoint.

OpenAI ships the dVAE as ``encoder.pkl`` and ``decoder.pkl``: whole pickled
``dall_e`` modules, which can only be loaded by unpickling arbitrary code.
This script does that once, for files you trust, and writes a plain state
dict that :class:`gss.tokenizers.DalleDVAE` loads with
``torch.load(weights_only=True)``.

Example::

    python tools/model_converters/dalle2gss.py \\
        --encoder ckp/encoder.pkl --decoder ckp/decoder.pkl \\
        --out ckp/dalle_dvae.pth
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        epilog='Unpickling the .pkl files runs code stored in them: only '
        'convert files you trust (e.g. downloaded from '
        'cdn.openai.com/dall-e/). Needs the official package: '
        'pip install DALL-E==0.1 attrs.')
    parser.add_argument('--encoder', default='ckp/encoder.pkl',
                        help='official encoder.pkl (default: %(default)s)')
    parser.add_argument('--decoder', default='ckp/decoder.pkl',
                        help='official decoder.pkl (default: %(default)s)')
    parser.add_argument('--out', default='ckp/dalle_dvae.pth',
                        help='output state dict (default: %(default)s)')
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401,I001  (mmcv compatibility, before mmseg)
import torch  # noqa: E402
from gss.tokenizers import DalleDVAE  # noqa: E402
from gss.tokenizers.dalle import official_state_dict  # noqa: E402

# Hyper-parameters of the official modules; group_count is a class attribute.
ENCODER_ARCH = ('group_count', 'n_hid', 'n_blk_per_group', 'vocab_size')
DECODER_ARCH = ENCODER_ARCH + ('n_init', )


def load_official(path, kind):
    """Unpickle an official ``dall_e`` module (trusted files only)."""
    if not osp.isfile(path):
        sys.exit(f'error: {path} not found; download it with '
                 '`bash tools/download_pretrain_vqvae.sh`')
    try:
        module = torch.load(path, map_location='cpu', weights_only=False)
    except ModuleNotFoundError as err:
        sys.exit(f'error: unpickling {path} needs the official DALL-E '
                 f'package ({err}): pip install DALL-E==0.1 attrs')
    if type(module).__name__ != kind:
        sys.exit(f'error: {path} holds a {type(module).__name__}, expected '
                 f'a dall_e {kind}')
    return module


def main(argv=None):
    args = parse_args(argv)
    encoder = load_official(args.encoder, 'Encoder')
    decoder = load_official(args.decoder, 'Decoder')
    arch = {name: getattr(decoder, name) for name in DECODER_ARCH}
    for name in ENCODER_ARCH:
        if getattr(encoder, name) != arch[name]:
            sys.exit(f'error: encoder and decoder disagree on {name}: '
                     f'{getattr(encoder, name)} vs {arch[name]}')
    state_dict = official_state_dict(encoder, decoder)

    # Prove the result loads into the GSS module before writing it.
    model = DalleDVAE(checkpoint=None, **arch)
    model._check_state_dict(state_dict, f'{args.encoder} + {args.decoder}')

    meta = dict(
        source='OpenAI DALL-E dVAE (dall_e package)',
        encoder=osp.basename(args.encoder),
        decoder=osp.basename(args.decoder),
        arch=arch)
    out_dir = osp.dirname(args.out)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    # Write then rename, so an interrupted run leaves no truncated output.
    torch.save(dict(state_dict=state_dict, meta=meta), args.out + '.part')
    os.replace(args.out + '.part', args.out)
    print(f'wrote {len(state_dict)} tensors ({arch}) to {args.out}')


if __name__ == '__main__':
    main()
