# lit configuration for the count-ops plugin's tests:
#   lit -v test --param convc_opt=PATH/convc-opt --param plugin=PATH/count_ops.so
# Optional: --param llvm_tools_dir=DIR, where FileCheck and `not` are (default:
# Debian llvm-14-tools' /usr/lib/llvm-14/bin, then PATH).
import os

import lit.formats

config.name = 'count-ops'
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = ['.cir']
config.test_source_root = os.path.dirname(os.path.abspath(__file__))


def param_path(key):
    path = lit_config.params.get(key)
    if not path or not os.path.exists(path):
        lit_config.fatal('pass --param %s=PATH (an existing file)' % key)
    return os.path.abspath(path)


convc_opt = param_path('convc_opt')
plugin = param_path('plugin')
# lit's Output/ directories go next to the plugin, not into the sources.
config.test_exec_root = os.path.join(os.path.dirname(plugin), 'lit')
tools = lit_config.params.get('llvm_tools_dir', '/usr/lib/llvm-14/bin')
config.environment['PATH'] = os.pathsep.join([tools, os.environ.get('PATH', '')])
config.substitutions.append(('%convc-opt', convc_opt))
config.substitutions.append(('%plugin', plugin))
