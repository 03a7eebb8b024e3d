/* placeholder: being written */
typedef int ptinc_placeholder_keys;
