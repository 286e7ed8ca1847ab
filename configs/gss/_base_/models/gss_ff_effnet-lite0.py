# The CPU-sized GSS-FF of gss_ff_r18_small.py on an ImageNet-pretrained
# EfficientNet-Lite0 (levels at strides 4/8/16/32: 24/40/112/320 channels),
# with CamVid-11's classes and palette and the project's maskige VQ-VAE as
# tokenizer; configs set the tokenizer's checkpoint and codebook, and give
# the backbone their data pipeline's normalisation (data_norm). Make the
# backbone weights once with
#   python tools/model_converters/efficientnet_lite2timm.py \
#       --out pretrain/efficientnet_lite0_timm.pth
_base_ = './gss_ff_r18_small.py'
model = dict(
    decode_head=dict(
        num_classes=11,
        in_channels=[24, 40, 112, 320],
        palette='camvid',
        tokenizer=dict(type='MaskigeVQVAE')),
    backbone=dict(
        _delete_=True,
        type='EfficientNetLite',
        pretrained='pretrain/efficientnet_lite0_timm.pth'))
