<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AppearancePage</name>
    <message>
        <location filename="../../app/settings/pages.py" line="71"/>
        <location filename="../../app/settings/pages.py" line="77"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="72"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="73"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="748"/>
        <source>Set MINICPM_CHAT_HOME to move it</source>
        <translation>设置 MINICPM_CHAT_HOME 可移动它</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="749"/>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="750"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="751"/>
        <source>Language changes apply after a restart.</source>
        <translation>语言更改将在重启后生效。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="755"/>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <location filename="../../app/chat/chat_view.py" line="40"/>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <location filename="../../app/chat/chat_view.py" line="79"/>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="82"/>
        <source>Instructions the model follows in this chat</source>
        <translation>模型在此对话中遵循的指令</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="87"/>
        <source>Default: {prompt}</source>
        <translation>默认：{prompt}</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="88"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="267"/>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../../app/chat/composer.py" line="20"/>
        <source>The loaded model has no thinking mode.</source>
        <translation>当前加载的模型没有思考模式。</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="21"/>
        <source>Let the model think before it answers (saved for this chat).</source>
        <translation>让模型先思考再回答（为此对话保存）。</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="68"/>
        <source>Ask anything  (Enter sends, Shift+Enter adds a line)</source>
        <translation>有问必答（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="79"/>
        <source>Think</source>
        <translation>思考</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="84"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="86"/>
        <source>Write a new version of the last answer</source>
        <translation>为最后一个回答生成新版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="88"/>
        <location filename="../../app/chat/composer.py" line="122"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="122"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="123"/>
        <source>Stop the answer (Esc)</source>
        <translation>停止回答（Esc）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="123"/>
        <source>Send (Enter)</source>
        <translation>发送（Enter）</translation>
    </message>
</context>
<context>
    <name>ConversationPanel</name>
    <message>
        <location filename="../../app/conversations/panel.py" line="69"/>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="71"/>
        <source>Start a new chat (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="76"/>
        <source>Search chats</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="77"/>
        <source>Search titles and messages (Ctrl+F)</source>
        <translation>搜索标题和消息（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="100"/>
        <location filename="../../app/conversations/panel.py" line="380"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="106"/>
        <location filename="../../app/conversations/panel.py" line="419"/>
        <source>No chats yet.</source>
        <translation>还没有对话。</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="115"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="192"/>
        <source>Deleted “{title}”.</source>
        <translation>已删除“{title}”。</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="203"/>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="204"/>
        <source>JSON, can be imported again (*.json)</source>
        <translation>JSON，可重新导入 (*.json)</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="212"/>
        <source>Export chats</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="228"/>
        <source>Could not export</source>
        <translation>无法导出</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="238"/>
        <source>Import chats</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="240"/>
        <source>MiniCPM Chat export (*.json);;All files (*)</source>
        <translation>MiniCPM Chat 导出文件 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="248"/>
        <source>Could not import chats</source>
        <translation>无法导入对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="347"/>
        <source>Export all chats…</source>
        <translation>导出全部对话…</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="349"/>
        <source>Import chats…</source>
        <translation>导入对话…</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="353"/>
        <source>Include reasoning in Markdown</source>
        <translation>Markdown 中包含推理过程</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="363"/>
        <location filename="../../app/conversations/panel.py" line="364"/>
        <source>Export and import chats</source>
        <translation>导出和导入对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="376"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="377"/>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="377"/>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="378"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="419"/>
        <source>No chats match.</source>
        <translation>没有匹配的对话。</translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <location filename="../../app/downloads/panel.py" line="99"/>
        <source>Offline mode is on: nothing is downloaded. Turn it off in Settings.</source>
        <translation>离线模式已开启：不会下载任何内容。请在设置中关闭。</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="283"/>
        <source>This PC: {summary}</source>
        <translation>本机：{summary}</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="108"/>
        <source>Fit counts the KV cache, which grows with the context length</source>
        <translation>适配度已计入 KV 缓存，它随上下文长度增长</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="44"/>
        <source>Model / file</source>
        <translation>模型 / 文件</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="45"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="46"/>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="47"/>
        <source>Backends</source>
        <translation>后端</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="48"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="49"/>
        <source>Fit</source>
        <translation>适配</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="50"/>
        <source>Runs best on</source>
        <translation>最佳运行方式</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="55"/>
        <source>fits</source>
        <translation>可运行</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="56"/>
        <source>tight</source>
        <translation>勉强</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="57"/>
        <source>too large</source>
        <translation>过大</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="69"/>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="112"/>
        <source>{n:,} tokens</source>
        <translation>{n:,} 词元</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="134"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="135"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="136"/>
        <source>Cancel…</source>
        <translation>取消…</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="137"/>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="138"/>
        <source>Clear finished</source>
        <translation>清除已完成</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="153"/>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="161"/>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="217"/>
        <location filename="../../app/downloads/panel.py" line="239"/>
        <source>official</source>
        <translation>官方</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="217"/>
        <location filename="../../app/downloads/panel.py" line="239"/>
        <source>community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="226"/>
        <source>Recommended</source>
        <translation>推荐</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="233"/>
        <source>{repo} (OpenVINO IR folder)</source>
        <translation>{repo}（OpenVINO IR 文件夹）</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="241"/>
        <source>verified</source>
        <translation>已验证</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="243"/>
        <source>unverified</source>
        <translation>未验证</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="246"/>
        <source>experimental</source>
        <translation>实验性</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="249"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="267"/>
        <source> (capped at the model&apos;s {n:,}-token context)</source>
        <translation>（受限于模型的 {n:,} 词元上下文）</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="297"/>
        <source>Offline mode is on, so nothing connects to the internet. Turn it off in Settings to download models.</source>
        <translation>离线模式已开启，不会连接互联网。要下载模型，请在设置中关闭离线模式。</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="305"/>
        <source>Add this file to the download queue</source>
        <translation>将此文件加入下载队列</translation>
    </message>
    <message>
        <location filename="../../app/downloads/panel.py" line="379"/>
        <source>Cancel the download of {name}? The partially downloaded file is deleted.</source>
        <translation>取消下载 {name}？已下载的部分文件将被删除。</translation>
    </message>
</context>
<context>
    <name>DownloadsDialog</name>
    <message>
        <location filename="../../app/downloads/panel.py" line="395"/>
        <source>Download models</source>
        <translation>下载模型</translation>
    </message>
</context>
<context>
    <name>DownloadsPage</name>
    <message>
        <location filename="../../app/settings/hub_page.py" line="32"/>
        <source>Hub mirror (the address above)</source>
        <translation>Hub 镜像（上面的地址）</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="51"/>
        <source>For gated or private models; kept only in the system keyring</source>
        <translation>用于受限或私有模型；仅保存在系统密钥环中</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="53"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="56"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="68"/>
        <source>Work offline (hide everything that would connect)</source>
        <translation>离线工作（隐藏所有需要联网的功能）</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="74"/>
        <source>A Hugging Face mirror, used when the mirror is among the sources below</source>
        <translation>Hugging Face 镜像，当下方来源中包含镜像时使用</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="79"/>
        <source>Tried from the top on errors or stalls; tick to use</source>
        <translation>出错或停滞时按从上到下的顺序尝试；勾选以启用</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="83"/>
        <source>Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="85"/>
        <source>Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="95"/>
        <source>Hugging Face token</source>
        <translation>Hugging Face 令牌</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="98"/>
        <source>Hub mirror</source>
        <translation>Hub 镜像</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="99"/>
        <source>Sources, in order</source>
        <translation>下载来源（按顺序）</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="148"/>
        <source>A token is saved</source>
        <translation>已保存令牌</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="148"/>
        <source>hf_… (none saved)</source>
        <translation>hf_…（未保存）</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="164"/>
        <source>No system keyring is available, so the token can&apos;t be saved; set HF_TOKEN for this session instead</source>
        <translation>没有可用的系统密钥环，无法保存令牌；请改为在本次会话中设置 HF_TOKEN</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="182"/>
        <source>Enter a token first.</source>
        <translation>请先输入令牌。</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="186"/>
        <source>The token is saved in the system keyring.</source>
        <translation>令牌已保存到系统密钥环。</translation>
    </message>
    <message>
        <location filename="../../app/settings/hub_page.py" line="196"/>
        <source>The token was removed.</source>
        <translation>令牌已移除。</translation>
    </message>
</context>
<context>
    <name>FirstRunBanner</name>
    <message>
        <location filename="../../app/downloads/banner.py" line="48"/>
        <source>Recommended for this PC: {name} ({quant}, {size})</source>
        <translation>推荐本机使用：{name}（{quant}，{size}）</translation>
    </message>
    <message>
        <location filename="../../app/downloads/banner.py" line="54"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/downloads/banner.py" line="56"/>
        <source>Not now</source>
        <translation>以后再说</translation>
    </message>
    <message>
        <location filename="../../app/downloads/banner.py" line="95"/>
        <source>Offline mode is on: turn it off in Settings to download models.</source>
        <translation>离线模式已开启：要下载模型，请在设置中关闭。</translation>
    </message>
</context>
<context>
    <name>GenerationPage</name>
    <message>
        <location filename="../../app/settings/pages.py" line="645"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="652"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="654"/>
        <source>A whole number repeats the same answer; blank picks a new one</source>
        <translation>填整数可复现相同回答；留空则每次不同</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="660"/>
        <source>Think before answering in new chats</source>
        <translation>新对话中先思考再回答</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="665"/>
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="667"/>
        <source>At most this many reasoning tokens; then the answer follows</source>
        <translation>最多思考这么多个词元，之后直接给出回答</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="670"/>
        <source>Use each model&apos;s recommended temperature and top p</source>
        <translation>使用各模型推荐的温度和 top p</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="674"/>
        <source>For catalog models, per thinking mode; other models use the values above</source>
        <translation>适用于目录中的模型，按思考模式区分；其他模型使用上面的数值</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="677"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="678"/>
        <source>Top p</source>
        <translation>Top p</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="679"/>
        <source>Top k</source>
        <translation>Top k</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="680"/>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="681"/>
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="682"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="683"/>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="685"/>
        <source>Thinking budget</source>
        <translation>思考预算</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/main_window.py" line="127"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="132"/>
        <location filename="../../app/main_window.py" line="509"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="148"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="155"/>
        <source>0 always picks the likeliest word; higher is more varied</source>
        <translation>0 总是选择最可能的词；越高越多样</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="160"/>
        <source>Max tokens</source>
        <translation>最大词元数</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="165"/>
        <source>The longest answer, in tokens</source>
        <translation>回答的最大长度（词元）</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="170"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="175"/>
        <source>Model, generation and appearance settings (Ctrl+,)</source>
        <translation>模型、生成和外观设置（Ctrl+,）</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="187"/>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="189"/>
        <source>Download models</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="203"/>
        <source>Recommended model</source>
        <translation>推荐模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="243"/>
        <source>Installed {name}. Choose it in Settings → Model.</source>
        <translation>已安装 {name}。请在“设置 → 模型”中选择它。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="253"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="258"/>
        <source>Tokens the last answer used of the model&apos;s context</source>
        <translation>上一个回答占用的模型上下文词元数</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="260"/>
        <source>Speed of the last answer</source>
        <translation>上一个回答的速度</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="261"/>
        <source>Memory this app uses, the model included</source>
        <translation>本应用占用的内存（含模型）</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="396"/>
        <source>Importing {name}…</source>
        <translation>正在导入 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="469"/>
        <location filename="../../app/main_window.py" line="472"/>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="501"/>
        <source>This CPU has no bf16 arithmetic, so OpenVINO computes in exact f32 instead.</source>
        <translation>此 CPU 不支持 bf16 运算，OpenVINO 改用精确的 f32 计算。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="503"/>
        <source>OpenVINO computes in {precision}.</source>
        <translation>OpenVINO 以 {precision} 精度计算。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="510"/>
        <source>The model could not be loaded</source>
        <translation>无法加载模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="512"/>
        <source>The model could not be loaded: {message}</source>
        <translation>无法加载模型：{message}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="524"/>
        <source>Imported {name}. Choose it in Settings → Model.</source>
        <translation>已导入 {name}。请在“设置 → 模型”中选择它。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="532"/>
        <source>{name} was not imported: {error}</source>
        <translation>{name} 未能导入：{error}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="543"/>
        <source>{speed:.1f} tokens/s</source>
        <translation>{speed:.1f} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="552"/>
        <source>{size} in use</source>
        <translation>已用 {size}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="568"/>
        <source>Context {used:,} / {available:,}</source>
        <translation>上下文 {used:,} / {available:,}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="573"/>
        <source>Context –</source>
        <translation>上下文 –</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <location filename="../../app/chat/message_widget.py" line="156"/>
        <source>Waiting for the model…</source>
        <translation>正在等待模型…</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="310"/>
        <source>This answer was interrupted before it finished.</source>
        <translation>此回答在完成前被中断。</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="198"/>
        <location filename="../../app/chat/message_widget.py" line="220"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="207"/>
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="211"/>
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="213"/>
        <location filename="../../app/chat/message_widget.py" line="376"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="213"/>
        <source>Copy this message</source>
        <translation>复制此消息</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="216"/>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="216"/>
        <source>Edit and send again as a new version</source>
        <translation>编辑并作为新版本重新发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="220"/>
        <source>Write a new version of this answer</source>
        <translation>为此回答生成新版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="238"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="240"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="293"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="293"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="306"/>
        <source>This answer failed: {reason}</source>
        <translation>此回答失败：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="336"/>
        <source>Showing the first {shown} of {total} characters. Copy takes them all.</source>
        <translation>显示前 {shown} 个字符，共 {total} 个。复制会包含全部内容。</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="371"/>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="37"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="39"/>
        <source>cut off at the token limit</source>
        <translation>达到词元上限而截断</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="41"/>
        <source>ended by an error</source>
        <translation>因错误而结束</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="52"/>
        <source>{count} token</source>
        <translation>{count} 个词元</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="53"/>
        <source>{count} tokens</source>
        <translation>{count} 个词元</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="58"/>
        <source>{speed} tokens/s</source>
        <translation>{speed} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="65"/>
        <source>{seconds} s to first token</source>
        <translation>首词元用时 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="77"/>
        <source>less than a second</source>
        <translation>不到 1 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="80"/>
        <source>1 second</source>
        <translation>1 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="81"/>
        <source>{count} seconds</source>
        <translation>{count} 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="85"/>
        <source>{minutes} min {seconds} s</source>
        <translation>{minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="92"/>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="94"/>
        <source>Thoughts</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="95"/>
        <source>Thought for {duration}</source>
        <translation>思考用时：{duration}</translation>
    </message>
</context>
<context>
    <name>ModelPage</name>
    <message>
        <location filename="../../app/settings/pages.py" line="134"/>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="137"/>
        <source>Copy a .gguf file or an OpenVINO IR folder into the models folder</source>
        <translation>将 .gguf 文件或 OpenVINO IR 文件夹复制到模型文件夹</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="140"/>
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="142"/>
        <source>Copy an OpenVINO IR folder in</source>
        <translation>复制一个 OpenVINO IR 文件夹进来</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="144"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="152"/>
        <source>Prepare for Intel CPU / GPU / NPU…</source>
        <translation>为 Intel CPU / GPU / NPU 准备…</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="159"/>
        <source>int8 weights</source>
        <translation>int8 权重</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="158"/>
        <source>int4 weights (smallest)</source>
        <translation>int4 权重（最小）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="162"/>
        <source>How the prepared OpenVINO model stores its weights</source>
        <translation>准备好的 OpenVINO 模型如何存储权重</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="164"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="186"/>
        <source>Automatic tries the GPU first and falls back to the CPU. OpenVINO uses GPU and NPU; llama.cpp uses an NVIDIA GPU through CUDA</source>
        <translation>“自动”会先尝试 GPU，失败时回退到 CPU。OpenVINO 可使用 GPU 和 NPU；llama.cpp 通过 CUDA 使用 NVIDIA GPU</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="194"/>
        <source> tokens</source>
        <translation> 词元</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="46"/>
        <location filename="../../app/settings/pages.py" line="51"/>
        <location filename="../../app/settings/pages.py" line="197"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="53"/>
        <source>GPU (OpenVINO)</source>
        <translation>GPU（OpenVINO）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="54"/>
        <source>NPU (OpenVINO)</source>
        <translation>NPU（OpenVINO）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="55"/>
        <source>NVIDIA GPU (CUDA)</source>
        <translation>NVIDIA GPU（CUDA）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="66"/>
        <source>Automatic (exact on CPU)</source>
        <translation>自动（CPU 上精确计算）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="67"/>
        <source>Exact (f32)</source>
        <translation>精确（f32）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="68"/>
        <source>Fast (bf16)</source>
        <translation>快速（bf16）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="157"/>
        <source>Weights as in the file (exact)</source>
        <translation>与文件相同的权重（精确）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="160"/>
        <source>f16 weights (largest)</source>
        <translation>f16 权重（最大）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="200"/>
        <source>llama.cpp only: layers to run on the GPU (0 = none)</source>
        <translation>仅限 llama.cpp：在 GPU 上运行的层数（0 = 不使用）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="207"/>
        <source>OpenVINO only. Exact computes in f32: the same answers on every computer, and the fastest decoding. Fast computes in bf16 on CPUs that have it (AVX-512 BF16 or AMX): long prompts are read about twice as fast, answers differ slightly</source>
        <translation>仅限 OpenVINO。精确模式以 f32 计算：在每台电脑上答案相同，解码最快。快速模式在支持的 CPU（AVX-512 BF16 或 AMX）上以 bf16 计算：长提示词的读取速度约快一倍，答案略有不同</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="213"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="217"/>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="218"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="219"/>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="220"/>
        <source>CPU threads</source>
        <translation>CPU 线程数</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="221"/>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="222"/>
        <source>OpenVINO precision</source>
        <translation>OpenVINO 精度</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="223"/>
        <source>No model is installed</source>
        <translation>尚未安装模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="291"/>
        <source>Delete model</source>
        <translation>删除模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="292"/>
        <source>Delete {name}? Its files are removed from
{path}</source>
        <translation>删除 {name}？其文件将从以下位置移除：
{path}</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="304"/>
        <source>{name} could not be deleted: {error}</source>
        <translation>无法删除 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="310"/>
        <source>Deleted {name}.</source>
        <translation>已删除 {name}。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="315"/>
        <source>{name} comes with the app and cannot be deleted.</source>
        <translation>{name} 随应用附带，无法删除。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="320"/>
        <source>{name} is in use. Load another model first, then delete this one.</source>
        <translation>{name} 正在使用中。请先加载其他模型，再删除此模型。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="327"/>
        <source> (bundled)</source>
        <translation>（内置）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="329"/>
        <source> (unusable)</source>
        <translation>（不可用）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="382"/>
        <source>Delete the chosen model&apos;s files</source>
        <translation>删除所选模型的文件</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="391"/>
        <source>Convert this MiniCPM GGUF into an OpenVINO model for Intel CPUs, GPUs and NPUs, checked against llama.cpp before it is listed</source>
        <translation>将此 MiniCPM GGUF 转换为适用于 Intel CPU、GPU 和 NPU 的 OpenVINO 模型，列出前会与 llama.cpp 进行比对校验</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="395"/>
        <source>Only an installed MiniCPM GGUF file can be prepared</source>
        <translation>只能准备已安装的 MiniCPM GGUF 文件</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="412"/>
        <source>{name} cannot be prepared: {error}</source>
        <translation>无法准备 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="419"/>
        <source>Prepare for Intel CPU / GPU / NPU</source>
        <translation>为 Intel CPU / GPU / NPU 准备</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="431"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="435"/>
        <source>Convert {name} into an OpenVINO model named {target}?
{weights}.

{params:.2f} billion parameters. About {minutes} min, {temporary} temporary disk space, {final} for the result, {memory} memory.

The result is compared with llama.cpp on the original file and listed only if it agrees; the original stays as it is.</source>
        <translation>将 {name} 转换为名为 {target} 的 OpenVINO 模型？
{weights}。

{params:.2f} 十亿参数。大约需要 {minutes} 分钟、{temporary} 临时磁盘空间、结果占用 {final}、内存 {memory}。

结果会在原始文件上与 llama.cpp 比对，只有一致时才会列出；原始文件保持不变。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="451"/>
        <source>Warning: only {free} of disk space is free.</source>
        <translation>警告：磁盘可用空间仅剩 {free}。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="456"/>
        <source>Warning: only {free} of memory is available; the conversion may be slow or fail.</source>
        <translation>警告：可用内存仅剩 {free}；转换可能很慢或失败。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="466"/>
        <source>Verified against llama.cpp ({weights}): top-1 agreement {top1:.1%} (needed {needed:.0%}), max logit difference {max_diff:.3f}, mean {mean_diff:.4f}, tokenizer {tokenizer}</source>
        <translation>已与 llama.cpp 比对校验（{weights}）：top-1 一致率 {top1:.1%}（要求 {needed:.0%}），最大 logit 差 {max_diff:.3f}，平均 {mean_diff:.4f}，分词器{tokenizer}</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="475"/>
        <source>identical</source>
        <translation>一致</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="475"/>
        <source>differs</source>
        <translation>不同</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="487"/>
        <source>requantizing with llama.cpp</source>
        <translation>用 llama.cpp 重新量化</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="488"/>
        <source>building the OpenVINO model</source>
        <translation>构建 OpenVINO 模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="489"/>
        <source>saving</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="490"/>
        <source>checking against llama.cpp</source>
        <translation>与 llama.cpp 比对</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="491"/>
        <source>registering</source>
        <translation>登记</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="512"/>
        <source>This CPU has no bf16 arithmetic (AVX-512 BF16 or AMX)</source>
        <translation>此 CPU 不支持 bf16 运算（AVX-512 BF16 或 AMX）</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="530"/>
        <source>Import a model</source>
        <translation>导入模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="532"/>
        <source>Models (*.gguf {marker});;All files (*)</source>
        <translation>模型 (*.gguf {marker});;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="539"/>
        <source>Import an OpenVINO IR folder</source>
        <translation>导入 OpenVINO IR 文件夹</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="549"/>
        <source>Importing {name}…</source>
        <translation>正在导入 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="564"/>
        <source>Preparing {name} for OpenVINO…</source>
        <translation>正在为 OpenVINO 准备 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="573"/>
        <source>Preparing {name} for OpenVINO: {stage}…</source>
        <translation>正在为 OpenVINO 准备 {name}：{stage}…</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="585"/>
        <source>Prepared {name}. {details}. Press OK to use it.</source>
        <translation>已准备好 {name}。{details}。按“确定”即可使用。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="596"/>
        <source>Preparing {name} was cancelled; nothing was added.</source>
        <translation>已取消准备 {name}；未添加任何内容。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="599"/>
        <source>{name} was converted, but the result disagrees with llama.cpp too often, so it was not added. {error}</source>
        <translation>{name} 已转换，但结果与 llama.cpp 不一致的次数过多，因此未添加。{error}</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="604"/>
        <source>Preparing {name} ran out of disk space; nothing was added. {error}</source>
        <translation>准备 {name} 时磁盘空间不足；未添加任何内容。{error}</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="607"/>
        <source>{name} could not be prepared; nothing was added. {error}</source>
        <translation>无法准备 {name}；未添加任何内容。{error}</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="616"/>
        <source>Imported {name}. Press OK to use it.</source>
        <translation>已导入 {name}。按“确定”即可使用。</translation>
    </message>
    <message>
        <location filename="../../app/settings/pages.py" line="623"/>
        <source>{name} was not imported: {error}</source>
        <translation>{name} 未能导入：{error}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../app/settings/dialog.py" line="39"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="48"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="49"/>
        <source>Generation</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="50"/>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="51"/>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
</context>
</TS>
