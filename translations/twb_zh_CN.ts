<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Charts</name>
    <message>
        <source>Save chart</source>
        <translation>保存图表</translation>
    </message>
    <message>
        <source>PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)</source>
        <translation>PNG 图像 (*.png);;SVG 矢量图 (*.svg);;PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <source>Save chart as…</source>
        <translation>图表另存为…</translation>
    </message>
</context>
<context>
    <name>LocalNodeKind</name>
    <message>
        <source>This machine</source>
        <translation>本机</translation>
    </message>
</context>
<context>
    <name>ModelFiles</name>
    <message>
        <source>%1 more</source>
        <translation>另外 %1 个</translation>
    </message>
    <message>
        <source>new weights (no model file to keep them from)</source>
        <translation>新权重（没有可保留权重的模型文件）</translation>
    </message>
    <message>
        <source>weights of %1 kept for %2 of %3 parameters; new: %4</source>
        <translation>保留了 %1 中 %3 个参数里的 %2 个权重；新建：%4</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
</context>
<context>
    <name>ModelGraph</name>
    <message>
        <source>The job names no model.</source>
        <translation>该任务未指定模型。</translation>
    </message>
    <message>
        <source>The model is the file %1 on the node that ran the job, not on this machine; export it to draw it.</source>
        <translation>模型是运行该任务的节点上的文件 %1，不在本机；请先导出再绘制。</translation>
    </message>
    <message>
        <source>model.file: %1: no such file</source>
        <translation>model.file：%1：没有这个文件</translation>
    </message>
    <message>
        <source>Input sizes are NAME=D1xD2... for each input, separated by &apos;;&apos; (each size at least 1): &apos;%1&apos; is not</source>
        <translation>输入尺寸为每个输入的 NAME=D1xD2...，以“;”分隔（每个尺寸至少为 1）：“%1”不是</translation>
    </message>
    <message>
        <source>Input sizes give each input once: &apos;%1&apos; gives &apos;%2&apos; again</source>
        <translation>输入尺寸中每个输入只能给出一次：“%1”再次给出了“%2”</translation>
    </message>
</context>
<context>
    <name>NodeQuestions</name>
    <message>
        <source>Unknown host</source>
        <translation>未知主机</translation>
    </message>
    <message>
        <source>The authenticity of %1 cannot be established.
%2 key fingerprint: %3
Trust this host and remember its key?</source>
        <translation>无法确认 %1 的真实性。
%2 密钥指纹：%3
是否信任此主机并记住其密钥？</translation>
    </message>
</context>
<context>
    <name>PluginCatalog</name>
    <message>
        <source>not a Qt plugin</source>
        <translation>不是 Qt 插件</translation>
    </message>
    <message>
        <source>not a Qt plugin: %1</source>
        <translation>不是 Qt 插件:%1</translation>
    </message>
    <message>
        <source>built for interface %1; this workbench has %2</source>
        <translation>为接口 %1 构建;本工作台的接口为 %2</translation>
    </message>
    <message>
        <source>does not load: %1</source>
        <translation>无法加载:%1</translation>
    </message>
    <message>
        <source>its root object is no Tensor Workbench plugin</source>
        <translation>其根对象不是 Tensor Workbench 插件</translation>
    </message>
    <message>
        <source>model format: %1</source>
        <translation>模型格式:%1</translation>
    </message>
    <message>
        <source>report: %1</source>
        <translation>报告:%1</translation>
    </message>
    <message>
        <source>(built in)</source>
        <translation>（内置）</translation>
    </message>
    <message>
        <source>node kind: %1 (not used: %2 came first)</source>
        <translation>节点类型：%1（未使用：%2 已由先加载的插件提供）</translation>
    </message>
    <message>
        <source>node kind: %1</source>
        <translation>节点类型：%1</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>Deep-learning experiments across precisions and machines</source>
        <translation>跨精度、跨机器的深度学习实验</translation>
    </message>
    <message>
        <source>Experiment store (SQLite file)</source>
        <translation>实验数据库（SQLite 文件）</translation>
    </message>
    <message>
        <source>twb-engine binary of the local node</source>
        <translation>本地节点的 twb-engine 程序</translation>
    </message>
    <message>
        <source>Tensor Workbench</source>
        <translation>Tensor Workbench 张量工作台</translation>
    </message>
    <message>
        <source>Not checked yet.</source>
        <translation>尚未检查。</translation>
    </message>
    <message>
        <source>%1 (%2 GiB)</source>
        <translation>%1（%2 GiB）</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>%1, %2 cores, %3 GiB · bf16 %4 · VNNI %5 · AMX %6 · GPUs: %7 · engine %8 (%9)</source>
        <translation>%1，%2 核，%3 GiB · bf16 %4 · VNNI %5 · AMX %6 · GPU：%7 · 引擎 %8（%9）</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Engine bundle for remote nodes</source>
        <translation>部署到远程节点的引擎包</translation>
    </message>
    <message>
        <source>Start the job file once the node has checked it</source>
        <translation>节点检查通过后立即启动该任务文件</translation>
    </message>
    <message>
        <source>A job file to open in the Job tab</source>
        <translation>在“任务”标签页中打开的任务文件</translation>
    </message>
    <message>
        <source>Node the job runs on: local or a saved node&apos;s name</source>
        <translation>任务运行的节点：local 或已保存节点的名称</translation>
    </message>
    <message>
        <source>class</source>
        <translation>类别</translation>
    </message>
</context>
<context>
    <name>RunState</name>
    <message>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>已成功</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>已失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>lost</source>
        <translation>已丢失</translation>
    </message>
</context>
<context>
    <name>ScalingStudy</name>
    <message>
        <source>the node has %1 cores and a rank of %2 threads fills them: measuring scaling needs room for two ranks</source>
        <translation>节点有 %1 个核心，一个 %2 线程的 rank 就已占满：测量扩展性至少需要容纳两个 rank</translation>
    </message>
    <message>
        <source>the job is a sweep already: take its &quot;sweep&quot; block out first</source>
        <translation>该任务本身已是扫描：请先移除其 &quot;sweep&quot; 块</translation>
    </message>
    <message>
        <source>the job asks for %1, and data-parallel training runs on CPUs in this version: set the device to cpu or leave it to the node</source>
        <translation>任务要求使用 %1，而此版本的数据并行训练在 CPU 上运行：请把设备设为 cpu，或交由节点决定</translation>
    </message>
    <message>
        <source>the global batch of %1 does not split evenly over 2 ranks: make it even</source>
        <translation>全局批次 %1 无法在 2 个进程间均分：请改为偶数</translation>
    </message>
</context>
<context>
    <name>SshNodeKind</name>
    <message>
        <source>SSH</source>
        <translation>SSH</translation>
    </message>
    <message>
        <source>host name, address or ~/.ssh/config alias</source>
        <translation>主机名、地址或 ~/.ssh/config 别名</translation>
    </message>
</context>
<context>
    <name>SweepCheck</name>
    <message>
        <source> on node %1</source>
        <translation>（节点 %1）</translation>
    </message>
    <message>
        <source>trial %1 of %2 (%3)%4: %5</source>
        <translation>第 %1 个试验（共 %2 个；%3）%4：%5</translation>
    </message>
</context>
<context>
    <name>twb::app::ModelDocument</name>
    <message>
        <source>Add %1</source>
        <translation>添加 %1</translation>
    </message>
    <message>
        <source>Delete %1</source>
        <translation>删除 %1</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is an input of the model: it reads nothing</source>
        <translation>“%1”是模型的输入:它不读取任何内容</translation>
    </message>
    <message>
        <source>&apos;%1&apos; cannot read itself</source>
        <translation>“%1”不能读取自身</translation>
    </message>
    <message>
        <source>&apos;%1&apos; reads &apos;%2&apos; already</source>
        <translation>“%1”已读取“%2”</translation>
    </message>
    <message>
        <source>Connect %1 to %2</source>
        <translation>将 %1 连接到 %2</translation>
    </message>
    <message>
        <source>Disconnect %1 from %2</source>
        <translation>断开 %1 与 %2 的连接</translation>
    </message>
    <message>
        <source>a name must not be empty</source>
        <translation>名称不能为空</translation>
    </message>
    <message>
        <source>Rename %1 to %2</source>
        <translation>将 %1 重命名为 %2</translation>
    </message>
    <message>
        <source>Set %1 of %2</source>
        <translation>设置 %2 的 %1</translation>
    </message>
    <message>
        <source>Set the shape of %1</source>
        <translation>设置 %1 的形状</translation>
    </message>
    <message>
        <source>Move</source>
        <translation>移动</translation>
    </message>
    <message>
        <source>Lay out</source>
        <translation>布局</translation>
    </message>
    <message>
        <source>Paste %1</source>
        <translation>粘贴 %1</translation>
    </message>
    <message>
        <source>select the nodes of a block, and repeat it at least twice</source>
        <translation>请选择一个块的节点,并至少重复两次</translation>
    </message>
    <message>
        <source>a repeated block holds nodes only, not the model&apos;s inputs</source>
        <translation>重复的块只能包含节点,不能包含模型的输入</translation>
    </message>
    <message numerus="yes">
        <source>a repeated block reads one box from outside it; this one reads %n</source>
        <translation>
            <numerusform>重复的块只能从外部读取一个方框;此块读取了 %n 个</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>one node of a repeated block is read outside it; here %n are</source>
        <translation>
            <numerusform>重复的块只能有一个节点被外部读取;此处有 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <source>Repeat %1 %2 times</source>
        <translation>将 %1 重复 %2 次</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is the name of another box or block</source>
        <translation>“%1”已是另一个方框或块的名称</translation>
    </message>
    <message>
        <source>a block needs a name</source>
        <translation>块需要一个名称</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is the name of a box or block already</source>
        <translation>“%1”已是某个方框或块的名称</translation>
    </message>
    <message>
        <source>select the nodes of the block first</source>
        <translation>请先选择块中的节点</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is an input of the model: a block holds nodes</source>
        <translation>“%1”是模型的输入：块只能包含节点</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is in block &apos;%2&apos; already</source>
        <translation>“%1”已在块“%2”中</translation>
    </message>
    <message>
        <source>Group %1</source>
        <translation>组合 %1</translation>
    </message>
    <message>
        <source>Ungroup %1</source>
        <translation>取消组合 %1</translation>
    </message>
    <message>
        <source>Collapse %1</source>
        <translation>折叠 %1</translation>
    </message>
    <message>
        <source>Open %1</source>
        <translation>展开 %1</translation>
    </message>
</context>
<context>
    <name>twb::app::NodeManager</name>
    <message>
        <source>Key passphrase</source>
        <translation>密钥口令</translation>
    </message>
    <message>
        <source>The key %1 is encrypted.</source>
        <translation>密钥 %1 已加密。</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>口令：</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Log in to %1.</source>
        <translation>登录 %1。</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>%1 asks for this to let you in (a second factor: often a one-time code from your authenticator).</source>
        <translation>%1 需要此项才能登录（第二重验证：通常是身份验证器中的一次性验证码）。</translation>
    </message>
    <message>
        <source>Log in to %1</source>
        <translation>登录 %1</translation>
    </message>
    <message>
        <source>The passphrase was not kept: the desktop keyring did not answer (%1).</source>
        <translation>口令未保存：桌面密钥环没有响应（%1）。</translation>
    </message>
</context>
<context>
    <name>twb::app::RunsModel</name>
    <message>
        <source>%1 %2 %</source>
        <translation>%1 %2 %</translation>
    </message>
    <message>
        <source>reconnecting (attempt %1)</source>
        <translation>重新连接中（第 %1 次尝试）</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Test accuracy</source>
        <translation>测试准确率</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
</context>
<context>
    <name>twb::app::SweepController</name>
    <message>
        <source>sweep: another sweep is still running</source>
        <translation>sweep：另一个扫描仍在运行</translation>
    </message>
    <message>
        <source>sweep: no node to run its trials on</source>
        <translation>sweep：没有可运行试验的节点</translation>
    </message>
    <message>
        <source>Stopped early by the median rule: at step %1 its best training loss was above the finished trials&apos; median, %2.</source>
        <translation>被中位数规则提前停止：在第 %1 步，其最佳训练损失高于已完成试验的中位数 %2。</translation>
    </message>
    <message>
        <source>sweep: the experiment store cannot record it: %1</source>
        <translation>sweep：实验存储无法记录它：%1</translation>
    </message>
    <message>
        <source>the experiment store cannot write (%1); it holds the sweep as unfinished until a later session ends it</source>
        <translation>实验存储无法写入（%1）；该扫描在存储中保持未完成状态，直到之后的会话将其结束</translation>
    </message>
    <message>
        <source>%1 of its %2 trials did not start: the experiment store cannot write (%3); reopen the workbench once it can and the sweep goes on</source>
        <translation>%2 个试验中有 %1 个未启动：实验存储无法写入（%3）；待其可写后重新打开工作台，扫描将继续</translation>
    </message>
</context>
<context>
    <name>twb::app::WorkbenchController</name>
    <message>
        <source>Default project</source>
        <translation>默认项目</translation>
    </message>
    <message>
        <source>cannot cancel: %1</source>
        <translation>无法取消：%1</translation>
    </message>
    <message>
        <source> (resumed)</source>
        <translation>（续训）</translation>
    </message>
    <message>
        <source>the workbench stopped before node %1 had accepted the job</source>
        <translation>节点 %1 接受任务之前工作台已停止</translation>
    </message>
    <message>
        <source>%1 cannot train in bf16 (%2): comparing fp32 with int8 only.</source>
        <translation>%1 无法以 bf16 训练（%2）：仅比较 fp32 与 int8。</translation>
    </message>
    <message>
        <source>parallel.nodes: %1</source>
        <translation>parallel.nodes：%1</translation>
    </message>
    <message>
        <source>The int8 run was not started: %1</source>
        <translation>int8 运行未启动：%1</translation>
    </message>
</context>
<context>
    <name>twb::ui::ComparePanel</name>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Test accuracy</source>
        <translation>测试准确率</translation>
    </message>
    <message>
        <source>Δ vs baseline</source>
        <translation>相对基线差值</translation>
    </message>
    <message>
        <source>Measured in</source>
        <translation>测量方式</translation>
    </message>
    <message>
        <source>Speedup</source>
        <translation>加速比</translation>
    </message>
    <message>
        <source>Model size</source>
        <translation>模型大小</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Baseline</source>
        <translation>基线</translation>
    </message>
    <message>
        <source>inference</source>
        <translation>推理</translation>
    </message>
    <message>
        <source>training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Samples/s</source>
        <translation>样本/秒</translation>
    </message>
    <message>
        <source>Test accuracy (%)</source>
        <translation>测试准确率 (%)</translation>
    </message>
    <message>
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>Target accuracy</source>
        <translation>目标准确率</translation>
    </message>
    <message>
        <source>Chart</source>
        <translation>图表</translation>
    </message>
    <message>
        <source>Time to %1 %</source>
        <translation>达到 %1 % 用时</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>not reached</source>
        <translation>未达到</translation>
    </message>
    <message>
        <source>final value</source>
        <translation>最终值</translation>
    </message>
    <message>
        <source>A job field that differs between these runs</source>
        <translation>这些运行之间取值不同的任务字段</translation>
    </message>
    <message>
        <source>%1 GFLOP/s sustained of %2&apos;s %3 matmul peak, %4 GFLOP/s</source>
        <translation>持续 %1 GFLOP/s，%2 的 %3 矩阵乘法峰值为 %4 GFLOP/s</translation>
    </message>
    <message>
        <source>MFU</source>
        <translation>MFU</translation>
    </message>
    <message>
        <source>Curves</source>
        <translation>曲线</translation>
    </message>
    <message>
        <source>Parallel coordinates</source>
        <translation>平行坐标</translation>
    </message>
    <message>
        <source>The best test accuracy of these runs</source>
        <translation>这些运行中最好的测试准确率</translation>
    </message>
    <message numerus="yes">
        <source>%n training run(s) not drawn: tick a run to draw it</source>
        <translation>
            <numerusform>%n 个训练运行未绘制：勾选运行即可绘制</numerusform>
        </translation>
    </message>
    <message>
        <source>Export report</source>
        <translation>导出报告</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1:%2</translation>
    </message>
    <message numerus="yes">
        <source>Comparison of %n run(s)</source>
        <translation>
            <numerusform>%n 个运行的比较</numerusform>
        </translation>
    </message>
    <message>
        <source>Test accuracy by class (%)</source>
        <translation>各类别测试准确率 (%)</translation>
    </message>
    <message>
        <source>Confusion matrix</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Over 100 %: FLOPs are counted as direct convolutions; Winograd layers multiply less</source>
        <translation>超过 100 %：FLOP 按直接卷积计算；Winograd 层的乘法更少</translation>
    </message>
    <message>
        <source>Table as CSV…</source>
        <translation>表格导出为 CSV…</translation>
    </message>
    <message>
        <source>Report as %1…</source>
        <translation>报告导出为 %1…</translation>
    </message>
    <message>
        <source>Reports come from plugins (Help &gt; Plugins): none is loaded</source>
        <translation>报告格式来自插件（帮助 &gt; 插件）：当前未加载任何插件</translation>
    </message>
    <message>
        <source>Chart as image…</source>
        <translation>图表导出为图片…</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>%1 · %2 ranks on %3 nodes</source>
        <translation>%1 · %2 个 rank，%3 个节点</translation>
    </message>
    <message>
        <source>%1 · %2 ranks</source>
        <translation>%1 · %2 个 rank</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1，节点 %2</translation>
    </message>
    <message>
        <source>%1 ranks at %2× the throughput of the baseline&apos;s %3: %4 % of linear scaling</source>
        <translation>%1 个 rank 的吞吐量是基线（%3 个 rank）的 %2×：线性扩展的 %4 %</translation>
    </message>
    <message>
        <source>Trained on %1: the node&apos;s matmul peak is its CPU&apos;s</source>
        <translation>在 %1 上训练：节点的矩阵乘法峰值是其 CPU 的</translation>
    </message>
    <message>
        <source>Ran on</source>
        <translation>运行于</translation>
    </message>
    <message>
        <source>Scaling</source>
        <translation>扩展效率</translation>
    </message>
    <message>
        <source>Throughput (samples/s)</source>
        <translation>吞吐量（样本/秒）</translation>
    </message>
    <message>
        <source>A rank&apos;s step: %1 ms against the baseline&apos;s %2 ms</source>
        <translation>每个 rank 的一步：%1 毫秒，基线为 %2 毫秒</translation>
    </message>
    <message>
        <source>compute</source>
        <translation>计算</translation>
    </message>
    <message>
        <source>communication that compute did not hide</source>
        <translation>未被计算掩盖的通信</translation>
    </message>
    <message>
        <source>data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>  %1: %2 ms (%3), %4 ms</source>
        <translation>  %1：%2 毫秒（%3），%4 毫秒</translation>
    </message>
    <message>
        <source>A rank&apos;s step: %1 ms against %2 ms, the baseline&apos;s %3 ms for a rank&apos;s %4 % of its samples</source>
        <translation>每个进程一步：%1 毫秒，对比 %2 毫秒，即基线 %3 毫秒按每进程 %4 % 的样本折算</translation>
    </message>
    <message>
        <source>Peak memory</source>
        <translation>峰值内存</translation>
    </message>
</context>
<context>
    <name>twb::ui::ConfusionView</name>
    <message>
        <source>the model&apos;s answer</source>
        <translation>模型的回答</translation>
    </message>
    <message>
        <source>the sample&apos;s label</source>
        <translation>样本的标签</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Against</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>nothing: shares of each label</source>
        <translation>无：各标签内的占比</translation>
    </message>
    <message>
        <source>No run of this project has been evaluated yet.</source>
        <translation>此项目还没有评估过的运行。</translation>
    </message>
    <message>
        <source>%1 has no confusion matrix: it has more than 100 classes, or it was evaluated by an older engine.</source>
        <translation>%1 没有混淆矩阵：它的类别超过 100 个，或由较旧的引擎评估。</translation>
    </message>
    <message>
        <source>%1 has %2 classes, %3 has %4: their matrices do not compare.</source>
        <translation>%1 有 %2 个类别，%3 有 %4 个：它们的矩阵无法比较。</translation>
    </message>
    <message>
        <source>%1 against %2</source>
        <translation>%1 对比 %2</translation>
    </message>
    <message>
        <source>the model&apos;s answer — change in points against %1 (red: worse)</source>
        <translation>模型的回答 — 相对 %1 的变化（百分点；红色：更差）</translation>
    </message>
    <message>
        <source>the model&apos;s answer — colour: share of the label&apos;s samples</source>
        <translation>模型的回答 — 颜色：占该标签样本的比例</translation>
    </message>
    <message>
        <source>%1 answered %2</source>
        <translation>%1 被答为 %2</translation>
    </message>
    <message>
        <source>%1 taken for %2</source>
        <translation>%1 被误认为 %2</translation>
    </message>
    <message>
        <source>: %1 of %2 (%3 %)</source>
        <translation>：%2 个中的 %1 个（%3 %）</translation>
    </message>
    <message>
        <source>%1: %2 % (%3 points)</source>
        <translation>%1：%2 %（%3 个百分点）</translation>
    </message>
</context>
<context>
    <name>twb::ui::DesignerCanvas</name>
    <message>
        <source>Block</source>
        <translation>块</translation>
    </message>
    <message>
        <source>%1 nodes, %2</source>
        <translation>%1 个节点，%2</translation>
    </message>
    <message>
        <source>%1 params</source>
        <translation>%1 个参数</translation>
    </message>
    <message>
        <source>%1 GFLOP</source>
        <translation>%1 GFLOP</translation>
    </message>
    <message>
        <source>%1 MFLOP</source>
        <translation>%1 MFLOP</translation>
    </message>
    <message>
        <source>%1 kFLOP</source>
        <translation>%1 kFLOP</translation>
    </message>
</context>
<context>
    <name>twb::ui::ExportPanel</name>
    <message>
        <source>no bound</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>&amp;Quantize to int8</source>
        <translation>量化为 int8(&amp;Q)</translation>
    </message>
    <message>
        <source>Post-training quantization</source>
        <translation>训练后量化</translation>
    </message>
    <message>
        <source>Calibration samples</source>
        <translation>校准样本数</translation>
    </message>
    <message>
        <source>Observer</source>
        <translation>观测器</translation>
    </message>
    <message>
        <source>Weight scheme</source>
        <translation>权重方案</translation>
    </message>
    <message>
        <source>Largest accuracy drop (points)</source>
        <translation>最大准确率下降（百分点）</translation>
    </message>
    <message>
        <source>ONNX (.onnx)</source>
        <translation>ONNX (.onnx)</translation>
    </message>
    <message>
        <source>Native model (.twbm)</source>
        <translation>原生模型 (.twbm)</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <source>Export the model</source>
        <translation>导出模型</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Save to</source>
        <translation>保存到</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>SQNR (dB)</source>
        <translation>信号量化噪声比 (dB)</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Quantizing on the node; the int8 run appears in the runs list.</source>
        <translation>正在节点上量化；int8 运行将出现在运行列表中。</translation>
    </message>
    <message>
        <source>Choose where to save the model.</source>
        <translation>请选择模型的保存位置。</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>导出失败：%1</translation>
    </message>
    <message>
        <source>fp32 %1 % → int8 %2 % test accuracy; %3 → %4 (%5× smaller); %6 layers in int8</source>
        <translation>测试准确率 fp32 %1 % → int8 %2 %；%3 → %4（缩小 %5 倍）；%6 层为 int8</translation>
    </message>
    <message>
        <source>The class int8 costs most: %1, %2 % → %3 % (%4 points)</source>
        <translation>int8 损失最大的类别：%1，%2 % → %3 %（%4 个百分点）</translation>
    </message>
    <message>
        <source>%1 is a folder: add the file&apos;s name, e.g. %2</source>
        <translation>%1 是一个文件夹：请加上文件名，例如 %2</translation>
    </message>
    <message>
        <source>The folder %1 does not exist.</source>
        <translation>文件夹 %1 不存在。</translation>
    </message>
    <message>
        <source>The folder %1 cannot be written to.</source>
        <translation>无法写入文件夹 %1。</translation>
    </message>
    <message>
        <source>%1 already exists. Replace it?</source>
        <translation>%1 已存在。要替换它吗？</translation>
    </message>
    <message>
        <source>Not exported: %1 is kept as it was.</source>
        <translation>未导出：%1 保持原样。</translation>
    </message>
    <message>
        <source>No class loses accuracy in int8.</source>
        <translation>int8 下没有任何类别的准确率下降。</translation>
    </message>
    <message>
        <source>Calibrated on %1 samples of %2 (%3 observer, %4 weights); evaluated on %5 samples of %6</source>
        <translation>用 %2 的 %1 个样本校准（%3 观察器，%4 权重）；在 %6 的 %5 个样本上评估</translation>
    </message>
    <message>
        <source>Inference at batch 64: fp32 %1 → int8 %2 samples/s (%3)</source>
        <translation>批大小 64 推理：fp32 %1 → int8 %2 样本/秒（%3）</translation>
    </message>
    <message>
        <source>%1× faster</source>
        <translation>快 %1 倍</translation>
    </message>
    <message>
        <source>%1× as fast: slower than fp32 on this node</source>
        <translation>速度为 fp32 的 %1 倍：在此节点上比 fp32 慢</translation>
    </message>
    <message>
        <source>Not quantized: %1</source>
        <translation>未量化：%1</translation>
    </message>
    <message>
        <source>%1 (%2, stopped early)</source>
        <translation>%1（%2，提前停止）</translation>
    </message>
</context>
<context>
    <name>twb::ui::InputSizesDialog</name>
    <message>
        <source>Sizes of %1</source>
        <translation>%1 的尺寸</translation>
    </message>
    <message>
        <source>dimension %1</source>
        <translation>第 %1 维</translation>
    </message>
    <message>
        <source>Dimension %1 of input &apos;%2&apos;, a size from 1 to %3</source>
        <translation>输入“%2”的第 %1 维，尺寸为 1 到 %3</translation>
    </message>
    <message>
        <source>The batch, left free</source>
        <translation>批大小，不固定</translation>
    </message>
    <message>
        <source>%1 leaves these sizes of its inputs free: give them here. The batch stays free.</source>
        <translation>%1 未固定其输入的这些尺寸：请在此给出。批大小仍不固定。</translation>
    </message>
</context>
<context>
    <name>twb::ui::JobForm</name>
    <message>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Run name</source>
        <translation>运行名称</translation>
    </message>
    <message>
        <source>Model file</source>
        <translation>模型文件</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>Step budget</source>
        <translation>步数上限</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Log every (steps)</source>
        <translation>记录间隔（步）</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Compare precisions</source>
        <translation>比较精度(&amp;C)</translation>
    </message>
    <message>
        <source>Train in fp32 and bf16 from the same initial weights, then quantize the fp32 result to int8</source>
        <translation>以相同的初始权重分别用 fp32 和 bf16 训练，然后将 fp32 结果量化为 int8</translation>
    </message>
    <message>
        <source>The learning rate must be greater than 0.</source>
        <translation>学习率必须大于 0。</translation>
    </message>
    <message>
        <source>The batch size must be at least 1.</source>
        <translation>批大小至少为 1。</translation>
    </message>
    <message>
        <source>Choose a dataset.</source>
        <translation>请选择数据集。</translation>
    </message>
    <message>
        <source>Checking on the node…</source>
        <translation>正在节点上检查…</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Profile every (steps)</source>
        <translation>剖析间隔（步）</translation>
    </message>
    <message>
        <source>local (this machine)</source>
        <translation>本地（本机）</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>at the end</source>
        <translation>结束时</translation>
    </message>
    <message>
        <source>single worker</source>
        <translation>单工作进程</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Warm-up steps</source>
        <translation>预热步数</translation>
    </message>
    <message>
        <source>Evaluate every (steps)</source>
        <translation>评估间隔（步）</translation>
    </message>
    <message>
        <source>Checkpoint every (steps)</source>
        <translation>检查点间隔（步）</translation>
    </message>
    <message>
        <source>Advanced: the job file (every field)</source>
        <translation>高级：任务文件（全部字段）</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>all cores</source>
        <translation>全部核心</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>线程数</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>模板</translation>
    </message>
    <message>
        <source>the template&apos;s defaults, or e.g. {&quot;hidden&quot;: [512, 256]}</source>
        <translation>模板默认值，或例如 {&quot;hidden&quot;: [512, 256]}</translation>
    </message>
    <message>
        <source>Template arguments</source>
        <translation>模板参数</translation>
    </message>
    <message>
        <source>This job&apos;s model is an inline spec: see Advanced.</source>
        <translation>此任务的模型是内联定义：请见“高级”。</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>the dataset&apos;s own test split</source>
        <translation>数据集自带的测试集</translation>
    </message>
    <message>
        <source>Test data</source>
        <translation>测试数据</translation>
    </message>
    <message>
        <source>no random crops</source>
        <translation>不随机裁剪</translation>
    </message>
    <message>
        <source>Random crop padding</source>
        <translation>随机裁剪填充</translation>
    </message>
    <message>
        <source>Random horizontal flips</source>
        <translation>随机水平翻转</translation>
    </message>
    <message>
        <source>Optimization</source>
        <translation>优化</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失函数</translation>
    </message>
    <message>
        <source>Momentum (SGD)</source>
        <translation>动量（SGD）</translation>
    </message>
    <message>
        <source>Nesterov (SGD)</source>
        <translation>Nesterov（SGD）</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>Evaluation, checkpoints and reports</source>
        <translation>评估、检查点与报告</translation>
    </message>
    <message>
        <source>Evaluate after every epoch</source>
        <translation>每轮结束后评估</translation>
    </message>
    <message>
        <source>only at epochs&apos; ends</source>
        <translation>仅在每轮结束时</translation>
    </message>
    <message>
        <source>Evaluation batch</source>
        <translation>评估批大小</translation>
    </message>
    <message>
        <source>Checkpoints kept</source>
        <translation>保留的检查点数</translation>
    </message>
    <message>
        <source>“%1” is not a number (e.g. 0.05 or 3e-4).</source>
        <translation>“%1”不是数字（例如 0.05 或 3e-4）。</translation>
    </message>
    <message>
        <source>Template arguments are a JSON object, e.g. {&quot;hidden&quot;: [512, 256]}: %1</source>
        <translation>模板参数须为 JSON 对象，例如 {&quot;hidden&quot;: [512, 256]}：%1</translation>
    </message>
    <message>
        <source>not an object</source>
        <translation>不是对象</translation>
    </message>
    <message numerus="yes">
        <source>all %n cores of the node</source>
        <translation>
            <numerusform>节点的全部 %n 个核心</numerusform>
        </translation>
    </message>
    <message>
        <source>On %1 bf16 matrix products peak at %2 GFLOP/s against %3 for fp32: no native bf16 (avx512_bf16) or AMX here, so expect bf16 to train slower than fp32.</source>
        <translation>在 %1 上 bf16 矩阵乘法峰值为 %2 GFLOP/s，而 fp32 为 %3：此处没有原生 bf16（avx512_bf16）或 AMX，预计 bf16 训练比 fp32 慢。</translation>
    </message>
    <message>
        <source>Parallel</source>
        <translation>并行</translation>
    </message>
    <message>
        <source>data parallel</source>
        <translation>数据并行</translation>
    </message>
    <message>
        <source>Strategy</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Ranks per node</source>
        <translation>每个节点的 rank 数</translation>
    </message>
    <message>
        <source>Gradients on the wire; sums stay in fp32. bf16 and fp16 halve the bytes sent.</source>
        <translation>梯度在网络上传输的类型；求和始终使用 fp32。bf16 和 fp16 使发送的字节数减半。</translation>
    </message>
    <message>
        <source>Gradient compression</source>
        <translation>梯度压缩</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source> KiB</source>
        <translation> KiB</translation>
    </message>
    <message>
        <source>Gradients fused per all-reduce; auto tries several sizes in the first steps and keeps the fastest.</source>
        <translation>每次 all-reduce 融合的梯度量；自动模式在最初几步尝试多个大小并保留最快的。</translation>
    </message>
    <message>
        <source>Fusion bucket</source>
        <translation>融合桶</translation>
    </message>
    <message>
        <source>Connections per peer</source>
        <translation>每个对端的连接数</translation>
    </message>
    <message>
        <source>the one that reaches rank 0</source>
        <translation>通往 rank 0 的那个接口</translation>
    </message>
    <message>
        <source>Network interface</source>
        <translation>网络接口</translation>
    </message>
    <message>
        <source> per rank</source>
        <translation>（每个 rank）</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>The job runs on the nodes checked under Parallel.</source>
        <translation>任务在“并行”中勾选的节点上运行。</translation>
    </message>
    <message>
        <source>Check a second node to run across nodes, or none to run on the node chosen above.</source>
        <translation>再勾选一个节点以跨节点运行，或全部不勾选以在上面选择的节点上运行。</translation>
    </message>
    <message>
        <source>Checking on every node…</source>
        <translation>正在每个节点上检查…</translation>
    </message>
    <message>
        <source>Hierarchical</source>
        <translation>分层归约</translation>
    </message>
    <message>
        <source>Synchronized BatchNorm: the ranks train as one process with the whole batch would, at the cost of two small exchanges per BatchNorm layer and step. Off: each rank normalises its own samples, as PyTorch&apos;s DDP does.</source>
        <translation>同步 BatchNorm：各 rank 的训练与单个进程使用整个批次时相同，代价是每个 BatchNorm 层每步两次小规模数据交换。关闭时：每个 rank 只用自己的样本做归一化，与 PyTorch 的 DDP 相同。</translation>
    </message>
    <message>
        <source>Synchronized BatchNorm</source>
        <translation>同步 BatchNorm</translation>
    </message>
    <message>
        <source>Where the job trains: the CPU or one of the node&apos;s GPUs. The node&apos;s choice is its first GPU when every layer of the model runs there.</source>
        <translation>任务在哪里训练：CPU 或节点的某块 GPU。由节点选择时，若模型的每一层都能在 GPU 上运行，则使用其第一块 GPU。</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>the node&apos;s choice</source>
        <translation>由节点选择</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>cuda:%1 (%2, %3 GiB)</source>
        <translation>cuda:%1（%2，%3 GiB）</translation>
    </message>
    <message>
        <source>Choose an image folder: one sub-folder of PNG or JPEG images per class, or train/ and test/ folders of them</source>
        <translation>选择图像文件夹：每个类别一个 PNG 或 JPEG 图像子文件夹，或包含这类子文件夹的 train/ 和 test/ 文件夹</translation>
    </message>
    <message>
        <source>Image folder</source>
        <translation>图像文件夹</translation>
    </message>
    <message>
        <source>Each layer&apos;s optimizer update waits until the next forward reaches that layer, so the all-reduces hide behind data loading and forward as well as backward. The weights are the same bit for bit either way.</source>
        <translation>每一层的优化器更新推迟到下一次前向计算到达该层时进行，因此 all-reduce 不仅与反向计算重叠，也与数据加载和前向计算重叠。两种方式得到的权重逐位相同。</translation>
    </message>
    <message>
        <source>Overlap with forward</source>
        <translation>与前向计算重叠</translation>
    </message>
    <message>
        <source>auto: through shared memory where it has room</source>
        <translation>自动：在有空间时通过共享内存</translation>
    </message>
    <message>
        <source>yes: ranks of a node reduce through shared memory first</source>
        <translation>是：同一节点的进程先通过共享内存归约</translation>
    </message>
    <message>
        <source>no: every rank sends over the network</source>
        <translation>否：每个进程都通过网络发送</translation>
    </message>
    <message>
        <source>Hierarchical all-reduce: the ranks of each node sum through shared memory and only one rank per node sends over the network. Auto does so unless a node&apos;s /dev/shm is too small (as in a container), and then says so in the run&apos;s log.</source>
        <translation>分层全归约：每个节点的进程先通过共享内存求和，每个节点只有一个进程通过网络发送。自动模式下如此，除非某个节点的 /dev/shm 太小（如在容器中），此时会在运行日志中说明。</translation>
    </message>
    <message>
        <source>%1 ranks of %2 threads share the node&apos;s %3 cores: they take turns, and steps slow down. 0 gives each rank its share.</source>
        <translation>%1 个进程各 %2 个线程共用节点的 %3 个核心：它们轮流运行，每步会变慢。设为 0 则每个进程使用各自的份额。</translation>
    </message>
    <message>
        <source>%1 threads share the node&apos;s %2 cores: they take turns, and steps slow down. 0 uses every core.</source>
        <translation>%1 个线程共用节点的 %2 个核心：它们轮流运行，每步会变慢。设为 0 则使用全部核心。</translation>
    </message>
    <message>
        <source>statistics of every rank&apos;s samples</source>
        <translation>所有 rank 样本的统计量</translation>
    </message>
    <message>
        <source>averaging goes on during the next forward</source>
        <translation>梯度平均与下一步前向计算同时进行</translation>
    </message>
    <message>
        <source>%1 cannot train in %2: %3</source>
        <translation>%1 无法以 %2 训练：%3</translation>
    </message>
    <message>
        <source>its engine does not offer it</source>
        <translation>它的引擎不提供该精度</translation>
    </message>
    <message>
        <source>Measure &amp;scaling</source>
        <translation>测量扩展性(&amp;S)</translation>
    </message>
    <message>
        <source>Train data parallel on 1, 2, 4, … ranks a node (and, across nodes, on 1, 2, 4, … of the checked nodes) for up to 300 steps each, one run at a time, in a project of its own: Compare shows how the throughput scales</source>
        <translation>以数据并行在每个节点 1、2、4……个 rank 上训练（跨节点时，还在所勾选节点中的 1、2、4……个上训练），每次最多 300 步，一次一个运行，放在单独的项目中：比较页显示吞吐量如何扩展</translation>
    </message>
    <message>
        <source>The ranks train on a larger global batch (the batch is per rank): linear multiplies the learning rate by the number of ranks (Goyal et al.&apos;s rule for SGD, best with a warm-up), sqrt by its square root; none keeps the optimizer&apos;s.</source>
        <translation>各 rank 合起来训练更大的全局批（批大小按每个 rank 计）：linear 把学习率乘以 rank 数（Goyal 等人针对 SGD 的规则，最好配合预热），sqrt 乘以其平方根；none 保持优化器的学习率。</translation>
    </message>
    <message>
        <source>Learning rate scaling</source>
        <translation>学习率缩放</translation>
    </message>
    <message>
        <source>Data parallel: several ranks each train on their share of every step&apos;s samples and average their gradients (the batch size is per rank unless Global batch splits it).</source>
        <translation>数据并行：多个进程各自训练每一步样本中的一份，并对梯度取平均（批大小按每进程计，除非勾选“全局批次”将其拆分）。</translation>
    </message>
    <message>
        <source>Global batch</source>
        <translation>全局批次</translation>
    </message>
    <message>
        <source>the batch size is split among the ranks</source>
        <translation>批大小在各进程间拆分</translation>
    </message>
    <message>
        <source>The batch size is the whole step&apos;s and each rank trains on its share, so runs on any number of ranks train on the same batches, as one process would (strong scaling); it must split evenly. Off: the batch size is each rank&apos;s, and more ranks train on a larger global batch.</source>
        <translation>批大小为整个一步的批次，每个进程训练其中一份，因此无论进程数多少都在相同的批次上训练，与单进程一致（强扩展）；批大小必须能均分。关闭时：批大小按每进程计，进程越多全局批次越大。</translation>
    </message>
    <message>
        <source> split among the ranks</source>
        <translation> 在各进程间拆分</translation>
    </message>
    <message>
        <source>optional: a .twbm or .onnx model instead of the template</source>
        <translation>可选：用 .twbm 或 .onnx 模型代替模板</translation>
    </message>
    <message>
        <source>%1 trials, %2 checked (every value)</source>
        <translation>%1 次试验，已检查 %2 次（覆盖每个取值）</translation>
    </message>
    <message>
        <source>1 trial, checked</source>
        <translation>1 次试验，已检查</translation>
    </message>
    <message>
        <source>%1 trials, all checked</source>
        <translation>%1 次试验，全部已检查</translation>
    </message>
    <message>
        <source>%1 · first trial: %2</source>
        <translation>%1 · 第一次试验：%2</translation>
    </message>
    <message>
        <source>Checking the sweep&apos;s trials: %1 of %2…</source>
        <translation>正在检查扫描的试验：第 %1 / %2 次…</translation>
    </message>
    <message>
        <source>for an ONNX file that leaves sizes free, e.g. ids=128; image=3x224x224</source>
        <translation>用于未固定尺寸的 ONNX 文件，例如 ids=128; image=3x224x224</translation>
    </message>
    <message>
        <source>Each input&apos;s dimensions after the batch, as NAME=D1xD2..., inputs separated by &apos;;&apos;</source>
        <translation>每个输入在批之后的各维，写作 NAME=D1xD2...，输入之间以“;”分隔</translation>
    </message>
    <message>
        <source>Input sizes</source>
        <translation>输入尺寸</translation>
    </message>
    <message>
        <source>The model file stands in for the template: clear it to choose one.</source>
        <translation>模型文件代替了模板：清空它才能选择模板。</translation>
    </message>
    <message>
        <source>%1 GiB</source>
        <translation>%1 GiB</translation>
    </message>
    <message>
        <source>Training needs about %1; the node has %2 for each rank.</source>
        <translation>训练约需 %1；该节点为每个进程（rank）提供 %2。</translation>
    </message>
    <message>
        <source>Training needs about %1; node %2 has %3 for each rank.</source>
        <translation>训练约需 %1；节点 %2 为每个进程（rank）提供 %3。</translation>
    </message>
    <message>
        <source>%1 MiB</source>
        <translation>%1 MiB</translation>
    </message>
    <message>
        <source>fashion-mnist, idx:DIR, cifar10:DIR, csv:FILE, npy:X.npy,Y.npy, images:DIR (a folder of class folders of PNG or JPEG images) or synthetic:SHAPE:CLASSES (with :ids=VOCABULARY, a text model&apos;s token ids)</source>
        <translation>fashion-mnist、idx:DIR、cifar10:DIR、csv:FILE、npy:X.npy,Y.npy、images:DIR（每个类别一个子文件夹的 PNG 或 JPEG 图像文件夹）或 synthetic:SHAPE:CLASSES（加 :ids=VOCABULARY 则为文本模型的词元 ID）</translation>
    </message>
    <message>
        <source>The run would likely be refused when it starts; a batch of %1 fits.</source>
        <translation>运行很可能在启动时被拒绝；批大小为 %1 时可以容纳。</translation>
    </message>
    <message>
        <source>The run would likely be refused when it starts; even a batch of 1 does not fit: a smaller model needs less.</source>
        <translation>运行很可能在启动时被拒绝；即使批大小为 1 也放不下：更小的模型需要的内存更少。</translation>
    </message>
    <message>
        <source>Winograd 3x3 convolutions</source>
        <translation>Winograd 3x3 卷积</translation>
    </message>
    <message>
        <source>fp32 3x3 convolutions by Winograd&apos;s F(4x4, 3x3) where it is faster (a ResNet-18 training step about 20 % shorter on the CPU), rounding to about 1e-5 of a layer&apos;s largest output. Off: every convolution sums directly, as PyTorch does on a CPU, for results to compare number by number. The job file&apos;s allow_winograd.</source>
        <translation>在更快之处用 Winograd 的 F(4x4, 3x3) 计算 fp32 3x3 卷积（CPU 上 ResNet-18 的训练步约缩短 20 %），舍入误差约为该层最大输出的 1e-5。关闭时每个卷积都直接求和，与 PyTorch 在 CPU 上相同，便于逐个数值对比结果。即任务文件的 allow_winograd。</translation>
    </message>
    <message>
        <source>TF32 tensor cores (GPU)</source>
        <translation>TF32 张量核心（GPU）</translation>
    </message>
    <message>
        <source>On a GPU, fp32 matrix products and convolutions on TF32 tensor cores: inputs rounded to a 10-bit mantissa, sums in fp32, like PyTorch&apos;s allow_tf32. The job file&apos;s allow_tf32.</source>
        <translation>在 GPU 上用 TF32 张量核心计算 fp32 矩阵乘法和卷积：输入舍入为 10 位尾数，以 fp32 求和，与 PyTorch 的 allow_tf32 相同。即任务文件的 allow_tf32。</translation>
    </message>
    <message>
        <source>fp32 arithmetic</source>
        <translation>fp32 运算</translation>
    </message>
    <message>
        <source>Choose a model file of this machine (.twbm or .onnx)</source>
        <translation>选择本机上的模型文件（.twbm 或 .onnx）</translation>
    </message>
    <message>
        <source>Models (*.twbm *.onnx)</source>
        <translation>模型 (*.twbm *.onnx)</translation>
    </message>
    <message>
        <source>Use these sizes</source>
        <translation>使用这些尺寸</translation>
    </message>
    <message>
        <source>Read the model file here and ask for the sizes it leaves free</source>
        <translation>在本机读取模型文件，并询问其未固定的尺寸</translation>
    </message>
    <message>
        <source>No plugin reads .%1 files here (Help &gt; Plugins).</source>
        <translation>此处没有插件能读取 .%1 文件（帮助 &gt; 插件）。</translation>
    </message>
    <message>
        <source>%1 leaves no size free beyond those given.</source>
        <translation>除已给出的尺寸外，%1 没有未固定的尺寸。</translation>
    </message>
    <message>
        <source>%1 parameters (%2 trained)</source>
        <translation>%1 个参数（训练其中 %2 个）</translation>
    </message>
    <message>
        <source>%1 parameters</source>
        <translation>%1 个参数</translation>
    </message>
    <message>
        <source>%1 · %2 GFLOP per step · ~%3 · %4 steps</source>
        <translation>%1 · 每步 %2 GFLOP · 约 %3 · %4 步</translation>
    </message>
    <message>
        <source>none: every layer trains; to fine-tune, e.g. conv*, layer1</source>
        <translation>无：每一层都训练；微调时例如 conv*, layer1</translation>
    </message>
    <message>
        <source>Layers held still while the rest trains: names of the model&apos;s layers or blocks, or patterns of them with * and ?, separated by commas</source>
        <translation>其余部分训练时保持不变的层：模型中层或块的名称，或含 * 和 ? 的名称模式，以逗号分隔</translation>
    </message>
    <message>
        <source>Frozen layers</source>
        <translation>冻结的层</translation>
    </message>
</context>
<context>
    <name>twb::ui::JobJsonEditor</name>
    <message>
        <source>a job file is one JSON object { … }</source>
        <translation>任务文件是一个 JSON 对象 { … }</translation>
    </message>
    <message>
        <source>Line %1, column %2: %3 — the form waits until this is fixed.</source>
        <translation>第 %1 行，第 %2 列：%3 —— 修正之前表单暂停更新。</translation>
    </message>
    <message>
        <source> (line %1)</source>
        <translation>（第 %1 行）</translation>
    </message>
</context>
<context>
    <name>twb::ui::LoginDialog</name>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Keep it in the desktop keyring</source>
        <translation>保存在桌面密钥环中</translation>
    </message>
</context>
<context>
    <name>twb::ui::MainWindow</name>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Filter runs</source>
        <translation>筛选运行</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Monitor</source>
        <translation>监控</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Node: %1</source>
        <translation>节点：%1</translation>
    </message>
    <message>
        <source>Run %1 failed: %2</source>
        <translation>运行 %1 失败：%2</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open job…</source>
        <translation>打开任务(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Start run</source>
        <translation>开始运行(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Compare precisions</source>
        <translation>比较精度(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Job</source>
        <translation>任务(&amp;J)</translation>
    </message>
    <message>
        <source>&amp;Monitor</source>
        <translation>监控(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Compare</source>
        <translation>比较(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Run %1: %2</source>
        <translation>运行 %1：%2</translation>
    </message>
    <message>
        <source>Open job</source>
        <translation>打开任务</translation>
    </message>
    <message>
        <source>Job files (*.json)</source>
        <translation>任务文件 (*.json)</translation>
    </message>
    <message>
        <source>%1 is not a job file: %2</source>
        <translation>%1 不是任务文件：%2</translation>
    </message>
    <message>
        <source>Save job</source>
        <translation>保存任务</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>English</source>
        <translation>English</translation>
    </message>
    <message>
        <source>中文（简体）</source>
        <translation>中文（简体）</translation>
    </message>
    <message>
        <source>The language changes when the workbench starts next.</source>
        <translation>语言将在下次启动工作台时生效。</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>剖析</translation>
    </message>
    <message>
        <source>&amp;Profile</source>
        <translation>剖析(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Nodes</source>
        <translation>节点(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Manage nodes…</source>
        <translation>管理节点(&amp;M)…</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>&amp;New project…</source>
        <translation>新建项目(&amp;N)…</translation>
    </message>
    <message>
        <source>New project</source>
        <translation>新建项目</translation>
    </message>
    <message>
        <source>Project name</source>
        <translation>项目名称</translation>
    </message>
    <message>
        <source>A project needs a name.</source>
        <translation>项目需要一个名称。</translation>
    </message>
    <message>
        <source>Cannot make the project “%1”: %2</source>
        <translation>无法创建项目“%1”：%2</translation>
    </message>
    <message>
        <source>Project: %1</source>
        <translation>项目：%1</translation>
    </message>
    <message>
        <source>C&amp;ancel run</source>
        <translation>取消运行(&amp;A)</translation>
    </message>
    <message>
        <source>Choose a run in the runs list first.</source>
        <translation>请先在运行列表中选择一个运行。</translation>
    </message>
    <message>
        <source>Cancelling %1…</source>
        <translation>正在取消 %1…</translation>
    </message>
    <message>
        <source>%1 is not running.</source>
        <translation>%1 未在运行。</translation>
    </message>
    <message>
        <source>&amp;Delete run…</source>
        <translation>删除运行(&amp;D)…</translation>
    </message>
    <message>
        <source>Delete run</source>
        <translation>删除运行</translation>
    </message>
    <message>
        <source>Delete %1 and everything stored of it (curves, profiles, files list)?</source>
        <translation>删除 %1 及其保存的全部内容（曲线、剖析、文件列表）？</translation>
    </message>
    <message>
        <source>%1 is still running: cancel it first.</source>
        <translation>%1 仍在运行：请先取消。</translation>
    </message>
    <message>
        <source>Deleted %1</source>
        <translation>已删除 %1</translation>
    </message>
    <message>
        <source>Res&amp;ume run</source>
        <translation>继续运行(&amp;U)</translation>
    </message>
    <message>
        <source>Only a cancelled, lost or failed training run can be resumed.</source>
        <translation>只有已取消、已丢失或已失败的训练运行才能继续。</translation>
    </message>
    <message>
        <source>Run %1 lost: %2</source>
        <translation>运行 %1 已丢失：%2</translation>
    </message>
    <message numerus="yes">
        <source>Following %n run(s) that were going when the workbench last stopped.</source>
        <translation>
            <numerusform>正在继续跟踪工作台上次停止时仍在进行的 %n 个运行。</numerusform>
        </translation>
    </message>
    <message>
        <source>⚠ Connection to %1 lost — reconnecting in %2 s (attempt %3)</source>
        <translation>⚠ 与 %1 的连接已断开 —— %2 秒后重新连接（第 %3 次尝试）</translation>
    </message>
    <message>
        <source>✓ Reconnected to %1</source>
        <translation>✓ 已重新连接到 %1</translation>
    </message>
    <message>
        <source>The job was not started: the node found a problem (see the Job tab).</source>
        <translation>任务未启动：节点发现了问题（见“任务”标签页）。</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <source>The run was not started: %1</source>
        <translation>运行未启动：%1</translation>
    </message>
    <message>
        <source>⚠ Cannot save experiments: %1</source>
        <translation>⚠ 无法保存实验：%1</translation>
    </message>
    <message>
        <source>%1
Nothing saved is lost; new events wait in memory until there is space.</source>
        <translation>%1
已保存的内容不会丢失；新事件暂存在内存中，待有空间后写入。</translation>
    </message>
    <message>
        <source>&amp;Notes and tags…</source>
        <translation>备注和标签(&amp;N)…</translation>
    </message>
    <message>
        <source>Sweep: %1 of %2 trials ended</source>
        <translation>扫描：%2 个试验中已结束 %1 个</translation>
    </message>
    <message>
        <source>Sweep finished: its trials are in the Compare tab</source>
        <translation>扫描完成：试验结果在“比较”标签页中</translation>
    </message>
    <message>
        <source>Cancel s&amp;weep</source>
        <translation>取消扫描(&amp;W)</translation>
    </message>
    <message>
        <source>Sweep</source>
        <translation>扫描</translation>
    </message>
    <message>
        <source>The sweep was not started: %1</source>
        <translation>扫描未启动：%1</translation>
    </message>
    <message>
        <source>Sweep %1 started</source>
        <translation>扫描 %1 已启动</translation>
    </message>
    <message>
        <source>The sweep that was going when the workbench last stopped goes on.</source>
        <translation>工作台上次停止时正在进行的扫描继续进行。</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>There is no node %1. The nodes are: %2 (Nodes dialog).</source>
        <translation>没有节点 %1。现有节点：%2（“节点”对话框）。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>M&amp;odel</source>
        <translation>模型(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Plugins…</source>
        <translation>插件(&amp;P)…</translation>
    </message>
    <message>
        <source>Ops of node %1 (twb-engine %2)</source>
        <translation>节点 %1 的算子（twb-engine %2）</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Measure &amp;scaling</source>
        <translation>测量扩展性(&amp;S)</translation>
    </message>
    <message>
        <source>Measure scaling</source>
        <translation>测量扩展性</translation>
    </message>
    <message>
        <source>Scaling was not measured: %1</source>
        <translation>未测量扩展性：%1</translation>
    </message>
    <message>
        <source>Measuring scaling: %1 ranks of %2 threads each, one run at a time</source>
        <translation>正在测量扩展性：%1 个 rank，每个 %2 个线程，一次一个运行</translation>
    </message>
    <message>
        <source>a sweep is still running (Run &gt; Cancel sweep stops it)</source>
        <translation>仍有一个扫描在运行（运行 &gt; 取消扫描 可停止它）</translation>
    </message>
    <message>
        <source>Measuring scaling: %1 ranks a node on %2 nodes, %3 threads a rank, one run at a time</source>
        <translation>正在测量扩展性：每个节点 %1 个 rank，%2 个节点，每个 rank %3 个线程，一次一个运行</translation>
    </message>
    <message>
        <source>The sweep stopped: %1.</source>
        <translation>扫描已停止：%1。</translation>
    </message>
    <message>
        <source>%1 was not deleted: %2</source>
        <translation>%1 未删除：%2</translation>
    </message>
    <message>
        <source>Notes and tags</source>
        <translation>备注和标签</translation>
    </message>
    <message>
        <source>The notes were not saved: %1</source>
        <translation>备注未保存：%1</translation>
    </message>
    <message>
        <source>Compare precisions</source>
        <translation>比较精度</translation>
    </message>
    <message>
        <source>The runs were not started: %1</source>
        <translation>运行未启动：%1</translation>
    </message>
    <message>
        <source>&amp;Save job</source>
        <translation>保存任务(&amp;S)</translation>
    </message>
    <message>
        <source>Save job &amp;as…</source>
        <translation>任务另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>The Advanced editor&apos;s text is not a job file yet: correct it, then save.</source>
        <translation>“高级”编辑器中的文本还不是任务文件：请先改正，再保存。</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Unsaved job</source>
        <translation>任务未保存</translation>
    </message>
    <message>
        <source>The job has changes that are not saved in a file.</source>
        <translation>任务有尚未保存到文件的更改。</translation>
    </message>
    <message>
        <source>The job has changes that are not saved in %1.</source>
        <translation>任务有尚未保存到 %1 的更改。</translation>
    </message>
    <message>
        <source>Untitled job</source>
        <translation>未命名任务</translation>
    </message>
    <message>
        <source>%1[*] — Tensor Workbench</source>
        <translation>%1[*] — Tensor Workbench 张量工作台</translation>
    </message>
    <message>
        <source>C&amp;lone job</source>
        <translation>克隆任务(&amp;L)</translation>
    </message>
    <message>
        <source>Put the chosen run&apos;s job into the Job tab, to change and run again</source>
        <translation>将所选运行的任务放入“任务”标签页，修改后再次运行</translation>
    </message>
    <message>
        <source>%1 quantized another run&apos;s model: clone that run&apos;s job instead.</source>
        <translation>%1 量化的是另一个运行的模型：请克隆那个运行的任务。</translation>
    </message>
    <message>
        <source>The job of %1: change it and run it again.</source>
        <translation>%1 的任务：修改后再次运行。</translation>
    </message>
    <message>
        <source>Ne&amp;w job</source>
        <translation>新建任务(&amp;W)</translation>
    </message>
    <message>
        <source>Model *</source>
        <translation>模型 *</translation>
    </message>
    <message>
        <source>The job names files relative to its folder, %1. Saved in %2, these paths would name other files.</source>
        <translation>任务以相对于其文件夹 %1 的路径指定文件。保存到 %2 后，这些路径将指向其他文件。</translation>
    </message>
    <message>
        <source>%1: %2 → %3</source>
        <translation>%1：%2 → %3</translation>
    </message>
    <message>
        <source>Keep naming the same files</source>
        <translation>仍指向相同的文件</translation>
    </message>
    <message>
        <source>Keep the paths as written</source>
        <translation>保持路径原样</translation>
    </message>
</context>
<context>
    <name>twb::ui::ModelDesigner</name>
    <message>
        <source>Search ops</source>
        <translation>搜索算子</translation>
    </message>
    <message>
        <source>Start from a template…</source>
        <translation>从模板开始…</translation>
    </message>
    <message>
        <source>From &amp;job</source>
        <translation>来自任务(&amp;J)</translation>
    </message>
    <message>
        <source>Open the Job tab&apos;s model</source>
        <translation>打开任务页的模型</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save…</source>
        <translation>保存(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Lay out</source>
        <translation>布局(&amp;L)</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>&amp;Use in job</source>
        <translation>用于任务(&amp;U)</translation>
    </message>
    <message>
        <source>%1 nodes, %2 parameters, %3 MFLOP per sample</source>
        <translation>%1 个节点,%2 个参数,每样本 %3 MFLOP</translation>
    </message>
    <message>
        <source>Model spec (*.json)</source>
        <translation>模型规格 (*.json)</translation>
    </message>
    <message>
        <source>%1: not a model spec (%2 at byte %3)</source>
        <translation>%1:不是模型规格(第 %3 字节处 %2)</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>无法打开 %1:%2</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1:%2</translation>
    </message>
    <message>
        <source>&amp;Fit</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>Model spec or job (*.json)</source>
        <translation>模型规格或任务 (*.json)</translation>
    </message>
    <message>
        <source>Open a model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>%1: no plugin reads .%2 files (Help &gt; Plugins)</source>
        <translation>%1:没有插件能读取 .%2 文件(帮助 &gt; 插件)</translation>
    </message>
    <message>
        <source>&amp;Repeat…</source>
        <translation>重复(&amp;R)…</translation>
    </message>
    <message>
        <source>Repeat the selected block: its copies follow one another</source>
        <translation>重复所选的块:各副本依次相连</translation>
    </message>
    <message>
        <source>Repeat the block</source>
        <translation>重复块</translation>
    </message>
    <message>
        <source>How many times the block appears</source>
        <translation>块出现的次数</translation>
    </message>
    <message>
        <source>Ops of this workbench&apos;s engine</source>
        <translation>本工作台引擎的算子</translation>
    </message>
    <message>
        <source>Save the model</source>
        <translation>保存模型</translation>
    </message>
    <message>
        <source>the spec alone, no weights</source>
        <translation>仅结构定义，无权重</translation>
    </message>
    <message>
        <source>%1: no plugin writes .%2 files (Help &gt; Plugins)</source>
        <translation>%1：没有插件能写入 .%2 文件（帮助 &gt; 插件）</translation>
    </message>
    <message>
        <source>Saved %1: %2.</source>
        <translation>已保存 %1：%2。</translation>
    </message>
    <message>
        <source>&amp;Group…</source>
        <translation>组合(&amp;G)…</translation>
    </message>
    <message>
        <source>Name the selected nodes as a block, drawn as one frame that collapses</source>
        <translation>将所选节点命名为一个块，绘制为可折叠的框</translation>
    </message>
    <message>
        <source>Group into a block</source>
        <translation>组合为块</translation>
    </message>
    <message>
        <source>Block name</source>
        <translation>块名称</translation>
    </message>
    <message>
        <source>block</source>
        <translation>块</translation>
    </message>
    <message>
        <source>Ungroup</source>
        <translation>取消组合</translation>
    </message>
    <message>
        <source>The selected nodes&apos; blocks become plain nodes again</source>
        <translation>所选节点所在的块恢复为普通节点</translation>
    </message>
    <message>
        <source>Co&amp;llapse</source>
        <translation>折叠(&amp;L)</translation>
    </message>
    <message>
        <source>Draw the selected nodes&apos; blocks as one box each, or open them again (double-clicking a block&apos;s name or box does the same)</source>
        <translation>将所选节点所在的块各绘制为一个方框，或再次展开（双击块的名称或方框效果相同）</translation>
    </message>
    <message>
        <source>No ops yet: start from a template, open a model, or drag ops from the list.</source>
        <translation>还没有算子：从模板开始、打开模型，或从列表中拖入算子。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Opening %1 cancelled; the model shown is as it was.</source>
        <translation>已取消打开 %1；显示的模型保持不变。</translation>
    </message>
    <message>
        <source>Opening %1…</source>
        <translation>正在打开 %1…</translation>
    </message>
    <message>
        <source>Saving %1…</source>
        <translation>正在保存 %1…</translation>
    </message>
    <message>
        <source>The model shown differs from what %1 says:</source>
        <translation>所显示的模型与 %1 中所写的不同：</translation>
    </message>
    <message>
        <source>Opening %1: its free sizes are asked for…</source>
        <translation>正在打开 %1：正在询问其未固定的尺寸…</translation>
    </message>
    <message>
        <source>%1; not opened: its sizes were not given.</source>
        <translation>%1；未打开：未给出其尺寸。</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Unsaved model</source>
        <translation>模型未保存</translation>
    </message>
    <message>
        <source>The model in the Model tab has edits that are not saved. Discard them?</source>
        <translation>“模型”标签页中的模型有尚未保存的修改。要放弃这些修改吗？</translation>
    </message>
    <message>
        <source>Save… writes the model to a file; Use in job puts it into the job.</source>
        <translation>“保存…”将模型写入文件；“用于任务”将其放入任务。</translation>
    </message>
</context>
<context>
    <name>twb::ui::ModelGraphView</name>
    <message>
        <source>output %1</source>
        <translation>输出 %1</translation>
    </message>
    <message>
        <source>%1 parameters</source>
        <translation>%1 个参数</translation>
    </message>
    <message>
        <source>%1 MFLOP per sample</source>
        <translation>每样本 %1 MFLOP</translation>
    </message>
    <message>
        <source>not in the run&apos;s profile (fused into the layer before it, or not run)</source>
        <translation>不在该运行的性能剖析中(已融合进前一层,或未运行)</translation>
    </message>
    <message>
        <source>%1 ms, %2 % of the step, %3 GFLOP/s</source>
        <translation>%1 毫秒,占步骤的 %2 %,%3 GFLOP/s</translation>
    </message>
    <message>
        <source>precision %1: kept out of int8 by quantization</source>
        <translation>精度 %1:量化时保留为非 int8</translation>
    </message>
    <message>
        <source>precision %1</source>
        <translation>精度 %1</translation>
    </message>
    <message>
        <source>%1× the other run&apos;s speed</source>
        <translation>为另一运行速度的 %1×</translation>
    </message>
    <message>
        <source>%1 least to %2 most of the step&apos;s time; %3 not in the profile</source>
        <translation>%1 占步骤时间最少 至 %2 最多;%3 不在性能剖析中</translation>
    </message>
    <message>
        <source>%1 int8 %2 kept in fp32 by quantization %3 bf16 %4 fp32</source>
        <translation>%1 int8 %2 量化时保留为 fp32 %3 bf16 %4 fp32</translation>
    </message>
    <message>
        <source>%1 2× or more faster than the other run, %2 2× or more slower; %3 no comparison</source>
        <translation>%1 比另一运行快 2× 及以上,%2 慢 2× 及以上;%3 无对比</translation>
    </message>
</context>
<context>
    <name>twb::ui::MonitorPanel</name>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>Smoothing</source>
        <translation>平滑</translation>
    </message>
    <message>
        <source> (train)</source>
        <translation>（训练）</translation>
    </message>
    <message>
        <source> (test)</source>
        <translation>（测试）</translation>
    </message>
    <message>
        <source>run %1, step %2: test accuracy %3, loss %4</source>
        <translation>运行 %1，第 %2 步：测试准确率 %3，损失 %4</translation>
    </message>
    <message>
        <source>run %1: %2</source>
        <translation>运行 %1：%2</translation>
    </message>
    <message>
        <source> (test accuracy %1)</source>
        <translation>（测试准确率 %1）</translation>
    </message>
    <message>
        <source>samples/s</source>
        <translation>样本/秒</translation>
    </message>
    <message>
        <source>ms per step</source>
        <translation>每步毫秒</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <source>Step time</source>
        <translation>步时间</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮</translation>
    </message>
    <message>
        <source>wall time (s)</source>
        <translation>墙钟时间（秒）</translation>
    </message>
    <message>
        <source>X axis</source>
        <translation>横轴</translation>
    </message>
    <message>
        <source> (compute)</source>
        <translation>（计算）</translation>
    </message>
    <message>
        <source> (data)</source>
        <translation>（数据）</translation>
    </message>
    <message>
        <source>Log scale (loss, learning rate)</source>
        <translation>对数刻度（损失、学习率）</translation>
    </message>
    <message>
        <source>Reset view</source>
        <translation>重置视图</translation>
    </message>
    <message>
        <source>Follow the data again after a zoom or pan (or double-click a chart)</source>
        <translation>缩放或平移后重新跟随数据（或双击图表）</translation>
    </message>
    <message>
        <source>Ranks</source>
        <translation>各 rank</translation>
    </message>
    <message>
        <source>Data parallel: each rank&apos;s step time, to spot a slow rank</source>
        <translation>数据并行：每个 rank 的单步耗时，用于发现慢的 rank</translation>
    </message>
    <message>
        <source> (exposed communication)</source>
        <translation>（未被掩盖的通信）</translation>
    </message>
    <message>
        <source>%1 · rank %2</source>
        <translation>%1 · rank %2</translation>
    </message>
    <message numerus="yes">
        <source>%n older run(s) not drawn</source>
        <translation>
            <numerusform>未绘制 %n 个较早的运行</numerusform>
        </translation>
    </message>
    <message>
        <source>The Monitor draws the newest runs of a project; Compare has them all.</source>
        <translation>监视器绘制项目中最新的运行；比较页包含全部运行。</translation>
    </message>
    <message>
        <source>% of the GPU</source>
        <translation>GPU 占比（%）</translation>
    </message>
    <message>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <source>Runs on a GPU: its utilization and memory in use (all processes&apos;)</source>
        <translation>在 GPU 上的运行：GPU 利用率和已用显存（所有进程）</translation>
    </message>
    <message>
        <source> · utilization</source>
        <translation> · 利用率</translation>
    </message>
    <message>
        <source> · memory</source>
        <translation> · 显存</translation>
    </message>
    <message>
        <source>warning: %1</source>
        <translation>警告：%1</translation>
    </message>
    <message>
        <source>No points yet: a run&apos;s curves grow here as it reports its steps.</source>
        <translation>尚无数据点：运行报告步骤时，其曲线会在此增长。</translation>
    </message>
    <message>
        <source>No data-parallel run shown: each rank&apos;s step time is drawn here for runs with the data-parallel strategy.</source>
        <translation>未显示数据并行运行：采用数据并行策略的运行会在此绘制每个进程的单步用时。</translation>
    </message>
    <message>
        <source>No GPU run shown: a GPU&apos;s utilization and memory are drawn here for runs on a GPU.</source>
        <translation>未显示 GPU 运行：在 GPU 上的运行会在此绘制 GPU 的利用率和显存占用。</translation>
    </message>
    <message>
        <source>MiB sent per step</source>
        <translation>每步发送的 MiB</translation>
    </message>
    <message>
        <source>No data-parallel run shown: the bytes rank 0 sends for each step&apos;s gradients are drawn here for runs with the data-parallel strategy.</source>
        <translation>未显示数据并行运行：采用数据并行策略的运行，其 rank 0 每步为梯度发送的字节数绘制在这里。</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>Data parallel: what rank 0 sends over the network a step (half with bf16 or fp16 on the wire; ranks of one node that sum through shared memory send nothing to each other)</source>
        <translation>数据并行：rank 0 每步通过网络发送的数据量（网络上使用 bf16 或 fp16 时减半；同一节点上通过共享内存求和的 rank 之间不经网络发送）</translation>
    </message>
</context>
<context>
    <name>twb::ui::NodeChecklist</name>
    <message>
        <source>Check two or more nodes to run the job across them, ranks per node on each. The first checked holds rank 0, the checkpoints and the model.</source>
        <translation>勾选两个或更多节点以跨节点运行任务，每个节点运行“每节点进程数”个进程。第一个勾选的节点承载 rank 0、检查点和模型。</translation>
    </message>
    <message>
        <source>  — node %1 of %2</source>
        <translation>  — 第 %1 个节点（共 %2 个）</translation>
    </message>
    <message>
        <source> (not a saved node)</source>
        <translation>（未保存的节点）</translation>
    </message>
</context>
<context>
    <name>twb::ui::NodeList</name>
    <message numerus="yes">
        <source>%n GPU(s)</source>
        <translation>
            <numerusform>%n 个 GPU</numerusform>
        </translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Capabilities</source>
        <translation>能力</translation>
    </message>
    <message>
        <source>local</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>not checked</source>
        <translation>未检查</translation>
    </message>
    <message>
        <source>Test it under Nodes &gt; Manage nodes.</source>
        <translation>请在“节点 &gt; 管理节点”中测试。</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>unreachable</source>
        <translation>无法连接</translation>
    </message>
</context>
<context>
    <name>twb::ui::NodeProperties</name>
    <message>
        <source>“%1” is not an integer</source>
        <translation>“%1”不是整数</translation>
    </message>
    <message>
        <source>“%1” is not a number</source>
        <translation>“%1”不是数字</translation>
    </message>
    <message>
        <source>“%1” is not an integer or a pair “h, w”</source>
        <translation>“%1”不是整数或“h, w”对</translation>
    </message>
    <message>
        <source>“%1” is not a list of integers “1, 2, 3”</source>
        <translation>“%1”不是整数列表“1, 2, 3”</translation>
    </message>
    <message>
        <source>Select a box to edit it; double-click or drag an op from the palette to add one.</source>
        <translation>选择一个方框进行编辑;在算子面板中双击或拖动算子即可添加。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Per sample, without the batch: e.g. 1, 28, 28</source>
        <translation>每样本形状,不含批次:例如 1, 28, 28</translation>
    </message>
    <message>
        <source>an input needs a shape</source>
        <translation>输入需要形状</translation>
    </message>
    <message>
        <source>Shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>MFLOP per sample</source>
        <translation>每样本 MFLOP</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1:%2</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 至 %2</translation>
    </message>
    <message>
        <source>%1 is outside %2</source>
        <translation>%1 超出范围 %2</translation>
    </message>
</context>
<context>
    <name>twb::ui::NodesDialog</name>
    <message>
        <source>Nodes</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>empty: ssh-agent, then a password</source>
        <translation>留空：先用 ssh-agent，再用密码</translation>
    </message>
    <message>
        <source>comma-separated, e.g. gpu, lab</source>
        <translation>以逗号分隔，例如 gpu, lab</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>主机</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Key file</source>
        <translation>密钥文件</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Capabilities</source>
        <translation>能力</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>删除(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>测试连接(&amp;T)</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接 %1…</translation>
    </message>
    <message>
        <source>%1: connected, engine running.</source>
        <translation>%1：已连接，引擎正在运行。</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>已保存 %1。</translation>
    </message>
    <message>
        <source>Removed %1.</source>
        <translation>已删除 %1。</translation>
    </message>
    <message>
        <source>empty: ~/.cache/twb</source>
        <translation>留空：~/.cache/twb</translation>
    </message>
    <message>
        <source>Where the engine and its jobs live on the node</source>
        <translation>引擎及其任务在节点上的存放位置</translation>
    </message>
    <message>
        <source>Engine folder</source>
        <translation>引擎文件夹</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>%1 (no plugin offers it)</source>
        <translation>%1（没有插件提供）</translation>
    </message>
</context>
<context>
    <name>twb::ui::PluginsDialog</name>
    <message>
        <source>Plugins</source>
        <translation>插件</translation>
    </message>
    <message>
        <source>Looked for in: %1</source>
        <translation>搜索位置:%1</translation>
    </message>
    <message>
        <source>Plugin</source>
        <translation>插件</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Offers</source>
        <translation>提供</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>loaded</source>
        <translation>已加载</translation>
    </message>
    <message>
        <source>not used: %1</source>
        <translation>未使用:%1</translation>
    </message>
    <message>
        <source>No plugins found</source>
        <translation>未找到插件</translation>
    </message>
</context>
<context>
    <name>twb::ui::ProfilePanel</name>
    <message>
        <source>Filter layers or ops</source>
        <translation>筛选层或算子</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Output shape</source>
        <translation>输出形状</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Forward ms</source>
        <translation>前向 ms</translation>
    </message>
    <message>
        <source>Backward ms</source>
        <translation>反向 ms</translation>
    </message>
    <message>
        <source>% of step</source>
        <translation>占步时间 %</translation>
    </message>
    <message>
        <source>GFLOP/s</source>
        <translation>GFLOP/s</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Speedup vs other</source>
        <translation>相对对比运行的加速比</translation>
    </message>
    <message>
        <source>forward + backward ms</source>
        <translation>前向 + 反向 ms</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Compare with</source>
        <translation>对比运行</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>No profile yet: set “Profile every (steps)” in the job.</source>
        <translation>尚无性能剖析：请在任务中设置“剖析间隔（步）”。</translation>
    </message>
    <message>
        <source>Step %1: %2 ms, of which data %3 ms and optimizer %4 ms</source>
        <translation>第 %1 步：%2 ms，其中数据 %3 ms，优化器 %4 ms</translation>
    </message>
    <message>
        <source>Open &amp;trace</source>
        <translation>打开跟踪(&amp;T)</translation>
    </message>
    <message>
        <source>Every profiled step of the run as a Chrome trace (Perfetto, chrome://tracing)</source>
        <translation>将该运行的每个剖析步骤导出为 Chrome 跟踪（Perfetto、chrome://tracing）</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <source>Nothing here opens .json files: load %1 in ui.perfetto.dev or chrome://tracing</source>
        <translation>本机没有能打开 .json 文件的程序：请在 ui.perfetto.dev 或 chrome://tracing 中加载 %1</translation>
    </message>
    <message>
        <source>rank %1: %2 ms</source>
        <translation>rank %1：%2 毫秒</translation>
    </message>
    <message>
        <source>; all-reduce %1</source>
        <translation>；all-reduce %1</translation>
    </message>
    <message>
        <source>Colour by time</source>
        <translation>按时间着色</translation>
    </message>
    <message>
        <source>Colour by precision</source>
        <translation>按精度着色</translation>
    </message>
    <message>
        <source>Colour by speedup vs other</source>
        <translation>按相对另一运行的加速比着色</translation>
    </message>
    <message>
        <source>&amp;Fit</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>An int8 run: the graph shows which layers run int8 (colour by precision).</source>
        <translation>int8 运行:图中显示哪些层以 int8 运行(按精度着色)。</translation>
    </message>
    <message>
        <source>Step %1: %2 ms, of which data %3 ms and optimizer %4 ms (during forward)</source>
        <translation>第 %1 步：%2 ms，其中数据 %3 ms，优化器 %4 ms（在前向计算中）</translation>
    </message>
    <message>
        <source>Kernel</source>
        <translation>计算内核</translation>
    </message>
    <message>
        <source>Reading the profile of %1…</source>
        <translation>正在读取 %1 的剖析…</translation>
    </message>
</context>
<context>
    <name>twb::ui::RecentJobsMenu</name>
    <message>
        <source>Open &amp;recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Clear the list</source>
        <translation>清空列表(&amp;C)</translation>
    </message>
</context>
<context>
    <name>twb::ui::RunNotesDialog</name>
    <message>
        <source>Notes and tags: %1</source>
        <translation>备注和标签：%1</translation>
    </message>
    <message>
        <source>What this run tried, what came of it</source>
        <translation>这次运行尝试了什么，结果如何</translation>
    </message>
    <message>
        <source>comma-separated, e.g. baseline, lr-sweep</source>
        <translation>以逗号分隔，例如 baseline, lr-sweep</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
</context>
</TS>
