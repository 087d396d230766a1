/* Keeps the builtin-plugin convenience library non-empty when no plugin is
 * linked into the binary (--enable-builtin-plugins not given). */
extern int kn_builtin_none_;
