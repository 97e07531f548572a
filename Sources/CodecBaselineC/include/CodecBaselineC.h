int codec_baseline_placeholder(void);
