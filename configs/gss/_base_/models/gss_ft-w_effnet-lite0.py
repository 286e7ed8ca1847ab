# GSS-FT-W on the CamVid GSS-FF of gss_ff_effnet-lite0.py: the learnable X⁻¹
# (one shifted-window block at full resolution) trains on the maskiges
# decoded from the tokens of the frozen GSS-FF model, whose checkpoint
# (tokenizer included) configs give as load_from.
_base_ = './gss_ff_effnet-lite0.py'
model = dict(
    backbone=dict(frozen_stages=7, norm_eval=True),
    decode_head=dict(
        type='GSSFTWHead',
        # the tokenizer's weights come with the GSS-FF checkpoint (load_from)
        tokenizer=dict(checkpoint=None),
        post_seg_channel=64,
        post_swin_depth=1,
        post_swin_num_heads=4,
        post_swin_window_size=7,
        # The project's CPU models: 4× FFN, frozen part in eval mode.
        post_swin_mlp_ratio=4,
        frozen_mode='eval'))
