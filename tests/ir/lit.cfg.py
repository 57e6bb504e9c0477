# lit configuration for convc's text IR tests (tests/ir/**/*.cir, *.test).
#
# Parameters (lit --param KEY=VALUE; ctest's ir.lit passes all of them):
#   build           a build directory holding convc-opt and convc; the
#                   defaults for the three below
#   convc_opt       path to convc-opt            (default BUILD/convc-opt)
#   convc           path to convc                (default BUILD/convc)
#   exec_root       where %t files go            (default BUILD/tests/ir/lit)
#   llvm_tools_dir  FileCheck, not, split-file, count (default: Debian
#                   llvm-14-tools' /usr/lib/llvm-14/bin)
#
# Substitutions: %convc-opt, %convc, %models (the repository's models/).
# FileCheck, not, split-file and count come first on PATH.
import os

import lit.formats

config.name = 'convc-ir'
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = ['.cir', '.test']
config.excludes = ['README.md', 'Inputs']
config.test_source_root = os.path.dirname(os.path.abspath(__file__))

params = lit_config.params
repo = os.path.dirname(os.path.dirname(config.test_source_root))
build = params.get('build')
if build:
    build = os.path.abspath(build)


def tool_path(key, name):
    path = params.get(key) or (build and os.path.join(build, name))
    if not path:
        lit_config.fatal('no %s: pass --param build=BUILD_DIR or --param %s=PATH' % (name, key))
    path = os.path.abspath(path)
    if not os.access(path, os.X_OK):
        lit_config.fatal('%s is not an executable (--param %s)' % (path, key))
    return path


convc_opt = tool_path('convc_opt', 'convc-opt')
convc = tool_path('convc', 'convc')
exec_root = params.get('exec_root') or (build and os.path.join(build, 'tests', 'ir', 'lit'))
# Never write Output/ directories into the source tree.
config.test_exec_root = os.path.abspath(
    exec_root or os.path.join(os.path.dirname(convc_opt), 'tests', 'ir', 'lit'))

llvm_tools = params.get('llvm_tools_dir', '/usr/lib/llvm-14/bin')
for t in ('FileCheck', 'not', 'split-file', 'count'):
    if not os.access(os.path.join(llvm_tools, t), os.X_OK):
        lit_config.fatal('%s not found in %s (install Debian llvm-14-tools or pass '
                         '--param llvm_tools_dir=DIR)' % (t, llvm_tools))
config.environment['PATH'] = os.pathsep.join([llvm_tools, os.environ.get('PATH', '')])

# Under ASan/UBSan a sanitizer report must fail a test even where the command
# is expected to fail (`not convc-opt ... 2>&1 | FileCheck %s`).
config.environment['FILECHECK_OPTS'] = \
    '--implicit-check-not=Sanitizer --implicit-check-not="runtime error"'

# %convc-opt before %convc: substitutions apply in order and %convc is a prefix.
config.substitutions.append(('%convc-opt', convc_opt))
config.substitutions.append(('%convc', convc))
config.substitutions.append(('%models', os.path.join(repo, 'models')))
