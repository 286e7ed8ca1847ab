# The CPU-sized GSS-FF of gss_ff_r18_small.py on an ImageNet-pretrained
# EfficientNet-Lite0 (levels at strides 4/8/16/32: 24/40/112/320 channels),
# with CamVid-11's classes and palette and the project's maskige VQ-VAE as
# tokenizer; configs set the tokenizer's checkpoint and codebook. Make the
# backbone weights once with
#   python tools/model_converters/efficientnet_lite2timm.py \
#       --out pretrain/efficientnet_lite0_timm.pth
_base_ = './gss_ff_r18_small.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='EfficientNetLite',
        arch='tf_efficientnet_lite0',
        out_indices=(1, 2, 3, 4),
        pretrained='pretrain/efficientnet_lite0_timm.pth',
        # the normalisation of the data pipeline (_base_/datasets/camvid.py)
        data_norm=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True)),
    decode_head=dict(
        in_channels=[24, 40, 112, 320],
        num_classes=11,
        palette='camvid',
        tokenizer=dict(type='MaskigeVQVAE')))
