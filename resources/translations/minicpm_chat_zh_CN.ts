<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <location filename="../../app/models/convert_panel.py" line="47"/>
        <source>Verified against llama.cpp ({weights}): top-1 agreement {top1:.1%} (needed {needed:.0%}), max logit difference {max_diff:.3f}, mean {mean_diff:.4f}, tokenizer {tokenizer}</source>
        <translation>已与 llama.cpp 比对校验（{weights}）：top-1 一致率 {top1:.1%}（要求 {needed:.0%}），最大 logit 差 {max_diff:.3f}，平均 {mean_diff:.4f}，分词器{tokenizer}</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="56"/>
        <source>identical</source>
        <translation>一致</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="56"/>
        <source>differs</source>
        <translation>不同</translation>
    </message>
</context>
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../app/about.py" line="43"/>
        <source>About {name}</source>
        <translation>关于 {name}</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="45"/>
        <source>Version {version}</source>
        <translation>版本 {version}</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="57"/>
        <source>A private chat with language models that run on this computer, offline.</source>
        <translation>与在本机离线运行的语言模型私密对话。</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="62"/>
        <source>{name} is free software under the {license} license.</source>
        <translation>{name} 是自由软件，采用 {license} 许可证。</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="69"/>
        <source>Bundled components and their licenses:</source>
        <translation>随附组件及其许可证：</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="72"/>
        <source>The list of bundled components could not be read.</source>
        <translation>无法读取随附组件列表。</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="99"/>
        <source>The bundled starter model {name} is licensed under {license}.</source>
        <translation>随附的入门模型 {name} 采用 {license} 许可证。</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="113"/>
        <source>Your chats, settings and models are kept in {folder}</source>
        <translation>你的对话、设置和模型保存在 {folder}</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="125"/>
        <source>Component</source>
        <translation>组件</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="125"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../app/about.py" line="125"/>
        <source>License</source>
        <translation>许可证</translation>
    </message>
</context>
<context>
    <name>ApiPage</name>
    <message>
        <location filename="../../app/settings/api_page.py" line="55"/>
        <source>Let other programs use the model (OpenAI-compatible)</source>
        <translation>允许其他程序使用此模型（兼容 OpenAI）</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="60"/>
        <source>Programs that speak OpenAI&apos;s chat API (editors, scripts, Open WebUI) can ask the model loaded here; their answers wait for the chat&apos;s</source>
        <translation>支持 OpenAI 聊天 API 的程序（编辑器、脚本、Open WebUI）可以向这里加载的模型提问；它们的回答会排在聊天之后</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="69"/>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="71"/>
        <source>Is another program using this port?</source>
        <translation>是否有其他程序正在使用此端口？</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="81"/>
        <source>Allow other computers on the network</source>
        <translation>允许网络中的其他计算机访问</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="85"/>
        <source>Anyone on your network can then use the model through this computer&apos;s address. Set an API key below, so only programs that know it can.</source>
        <translation>这样，你的网络中任何人都可以通过这台计算机的地址使用此模型。请在下面设置 API 密钥，只有知道密钥的程序才能使用。</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="97"/>
        <source>None: any program that reaches the port may ask</source>
        <translation>无：任何能连到此端口的程序都可以提问</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="100"/>
        <source>Programs send it as &apos;Authorization: Bearer &lt;key&gt;&apos; (the API key of OpenAI&apos;s clients); kept only in the system keyring</source>
        <translation>程序以“Authorization: Bearer &lt;密钥&gt;”发送它（即 OpenAI 客户端的 API 密钥）；只保存在系统密钥环中</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="104"/>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="108"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="110"/>
        <source>Make a new random key</source>
        <translation>生成一个新的随机密钥</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="112"/>
        <location filename="../../app/settings/api_page.py" line="137"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="126"/>
        <source>None (no web page may call it)</source>
        <translation>无（任何网页都不能调用）</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="129"/>
        <source>The one web address whose pages may call the API from a browser, e.g. http://localhost:3000 (CORS); programs outside a browser need nothing here</source>
        <translation>允许在浏览器中调用此 API 的唯一网页地址，例如 http://localhost:3000（CORS）；浏览器之外的程序无需设置</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="145"/>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="149"/>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="151"/>
        <source>Allowed web origin</source>
        <translation>允许的网页来源</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="152"/>
        <source>Base URL</source>
        <translation>基础 URL</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="193"/>
        <source>Port {port} is the one the API uses now.</source>
        <translation>端口 {port} 正是 API 当前使用的端口。</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="201"/>
        <source>Port {port} is in use by another program.</source>
        <translation>端口 {port} 已被其他程序占用。</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="204"/>
        <source>Port {port} is free.</source>
        <translation>端口 {port} 可用。</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="234"/>
        <source>The key is kept in the system keyring ({name}).</source>
        <translation>密钥保存在系统密钥环中（{name}）。</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="245"/>
        <source>No system keyring is available, so the API key can&apos;t be saved; without a key, keep the API to this computer</source>
        <translation>没有可用的系统密钥环，无法保存 API 密钥；没有密钥时，请只让本机使用此 API</translation>
    </message>
    <message>
        <location filename="../../app/settings/api_page.py" line="281"/>
        <source>A new key: OK saves it; programs with the old one are refused.</source>
        <translation>新密钥：点“确定”后保存；使用旧密钥的程序将被拒绝。</translation>
    </message>
</context>
<context>
    <name>AppearancePage</name>
    <message>
        <location filename="../../app/settings/appearance_page.py" line="15"/>
        <location filename="../../app/settings/appearance_page.py" line="21"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/settings/appearance_page.py" line="16"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../../app/settings/appearance_page.py" line="17"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../../app/settings/appearance_page.py" line="43"/>
        <source>Set MINICPM_CHAT_HOME to move it</source>
        <translation>设置 MINICPM_CHAT_HOME 可移动它</translation>
    </message>
    <message>
        <location filename="../../app/settings/appearance_page.py" line="44"/>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <location filename="../../app/settings/appearance_page.py" line="45"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../app/settings/appearance_page.py" line="46"/>
        <source>Language changes apply after a restart.</source>
        <translation>语言更改将在重启后生效。</translation>
    </message>
    <message>
        <location filename="../../app/settings/appearance_page.py" line="50"/>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
</context>
<context>
    <name>AttachmentChip</name>
    <message>
        <location filename="../../app/chat/attachment_chips.py" line="71"/>
        <source>{name} · {size} · reading…</source>
        <translation>{name} · {size} · 正在读取…</translation>
    </message>
    <message>
        <location filename="../../app/chat/attachment_chips.py" line="75"/>
        <source>{name} · {size}</source>
        <translation>{name} · {size}</translation>
    </message>
    <message>
        <location filename="../../app/chat/attachment_chips.py" line="78"/>
        <source>{name} · {size} · ≈ {tokens} tokens</source>
        <translation>{name} · {size} · ≈ {tokens} 个词元</translation>
    </message>
</context>
<context>
    <name>AttachmentViewer</name>
    <message>
        <location filename="../../app/chat/attachment_chips.py" line="165"/>
        <source>The text the model reads from {name} ({size}).</source>
        <translation>模型从 {name}（{size}）读取的文本。</translation>
    </message>
</context>
<context>
    <name>AttachmentWords</name>
    <message>
        <location filename="../../app/words/attachments.py" line="27"/>
        <source>Could not open {name}: the file is missing or cannot be read</source>
        <translation>无法打开 {name}：文件不存在或无法读取</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="35"/>
        <source>{name} cannot be read: the file is damaged</source>
        <translation>无法读取 {name}：文件已损坏</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="47"/>
        <source>{name} cannot be attached: only text, Markdown, source code, PDF, Word (.docx) and HTML files can be</source>
        <translation>无法附加 {name}：只能附加文本、Markdown、源代码、PDF、Word（.docx）和 HTML 文件</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="60"/>
        <source>{name} cannot be attached: it holds binary data, not text.</source>
        <translation>无法附加 {name}：它包含二进制数据，不是文本。</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="64"/>
        <source>{name} is protected by a password and cannot be read: save a copy without the password and attach that.</source>
        <translation>{name} 受密码保护，无法读取：请另存一份不带密码的副本再附加。</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="75"/>
        <source>{name} is too large to attach ({size}; the limit is {limit}).</source>
        <translation>{name} 太大，无法附加（{size}；上限为 {limit}）。</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="83"/>
        <source>{name} holds too much text to attach (more than {limit} characters).</source>
        <translation>{name} 的文本太多，无法附加（超过 {limit} 个字符）。</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="87"/>
        <source>{name} took too long to read (more than {seconds} seconds).</source>
        <translation>读取 {name} 的时间太长（超过 {seconds} 秒）。</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="94"/>
        <source>{name} has no text layer (it may be a scanned document), so there is nothing to read.</source>
        <translation>{name} 没有文本层（可能是扫描件），没有可读取的内容。</translation>
    </message>
    <message>
        <location filename="../../app/words/attachments.py" line="99"/>
        <source>{name} has no text to read.</source>
        <translation>{name} 中没有可读取的文本。</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <location filename="../../app/chat/chat_view.py" line="46"/>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>CatalogCard</name>
    <message>
        <location filename="../../app/models/catalog_card.py" line="129"/>
        <source>File to download for {name}</source>
        <translation>{name} 的下载文件</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="141"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="143"/>
        <source>Download {name}</source>
        <translation>下载 {name}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="151"/>
        <source>Download progress of {name}</source>
        <translation>{name} 的下载进度</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="154"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="155"/>
        <location filename="../../app/models/catalog_card.py" line="453"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="156"/>
        <source>Cancel…</source>
        <translation>取消…</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="159"/>
        <source>Pause the download of {name}</source>
        <translation>暂停下载 {name}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="162"/>
        <source>Resume the download of {name}</source>
        <translation>继续下载 {name}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="165"/>
        <source>Cancel the download of {name}</source>
        <translation>取消下载 {name}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="180"/>
        <source>{size} parameters</source>
        <translation>{size} 参数</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="181"/>
        <source>Model size: more parameters answer better but need more memory</source>
        <translation>模型大小：参数越多回答越好，但需要更多内存</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="187"/>
        <source>Thinking</source>
        <translation>思考</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="188"/>
        <source>Can think step by step before it answers (switch it in the chat)</source>
        <translation>回答前可以分步思考（在聊天中开关）</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="192"/>
        <source>Recommended</source>
        <translation>推荐</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="195"/>
        <location filename="../../app/models/catalog_card.py" line="306"/>
        <source>community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="195"/>
        <source>Not published by the model&apos;s authors</source>
        <translation>并非由模型作者发布</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="271"/>
        <source>Languages: {languages}</source>
        <translation>语言：{languages}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="276"/>
        <source>Licence: {licence}</source>
        <translation>许可证：{licence}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="280"/>
        <source>Context: up to {n:,} tokens</source>
        <translation>上下文：最多 {n:,} 词元</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="285"/>
        <source>{earlier}, {following}</source>
        <translation>{earlier}、{following}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="288"/>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="288"/>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="294"/>
        <source>OpenVINO folder</source>
        <translation>OpenVINO 文件夹</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="297"/>
        <location filename="../../app/models/catalog_card.py" line="311"/>
        <source>experimental</source>
        <translation>实验性</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="299"/>
        <location filename="../../app/models/catalog_card.py" line="308"/>
        <source>unverified</source>
        <translation>未验证</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="306"/>
        <source>official</source>
        <translation>官方</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="308"/>
        <source>verified</source>
        <translation>已验证</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="314"/>
        <source>Runs on: {backends}</source>
        <translation>可运行于：{backends}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="317"/>
        <source>Source: {badges}</source>
        <translation>来源：{badges}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="320"/>
        <source>Needs {requirement}</source>
        <translation>需要 {requirement}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="373"/>
        <source> (capped at the model&apos;s {n:,}-token context)</source>
        <translation>（受限于模型的 {n:,} 词元上下文）</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="427"/>
        <source>Fits this PC</source>
        <translation>适合本机</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="429"/>
        <source>Tight on this PC</source>
        <translation>本机较吃紧</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="430"/>
        <source>Too large for this PC</source>
        <translation>对本机过大</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="437"/>
        <source>needs {need} of {memory} GPU memory</source>
        <translation>需要 {need}，显存共 {memory}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="439"/>
        <source>needs {need} of {memory} RAM</source>
        <translation>需要 {need}，内存共 {memory}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="441"/>
        <source>the CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="443"/>
        <source>runs best with {backend} on {device}</source>
        <translation>最适合用 {backend} 在 {device} 上运行</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="446"/>
        <source>{needs} · {where}</source>
        <translation>{needs} · {where}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_card.py" line="453"/>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <location filename="../../app/chat/controller.py" line="556"/>
        <source>The model wrote no summary. Nothing was sent.</source>
        <translation>模型没有写出摘要。什么也没有发送。</translation>
    </message>
    <message>
        <location filename="../../app/chat/controller.py" line="569"/>
        <source>The summary could not be written: {reason}</source>
        <translation>无法写出摘要：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/chat/controller.py" line="795"/>
        <source>Writing a summary of this chat to start a new one…</source>
        <translation>正在为此对话写摘要，以开始新对话…</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <location filename="../../app/chat/chat_view.py" line="91"/>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="94"/>
        <source>Instructions the model follows in this chat</source>
        <translation>模型在此对话中遵循的指令</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="99"/>
        <source>Default: {prompt}</source>
        <translation>默认：{prompt}</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="100"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="308"/>
        <source>{use} · time to read known after the first answer</source>
        <translation>{use} · 读取时间在第一个回答之后可知</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="310"/>
        <source>How much of the model&apos;s context this conversation and your message take, with room for the answer, and how long this PC takes to read them (measured on earlier answers).</source>
        <translation>此对话和你的消息占用模型上下文的多少（含回答所需空间），以及这台电脑读取它们需要多久（根据之前的回答测得）。</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="315"/>
        <source>Context: {use}</source>
        <translation>上下文：{use}</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="377"/>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../../app/chat/composer.py" line="41"/>
        <source>The loaded model has no thinking mode.</source>
        <translation>当前加载的模型没有思考模式。</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="42"/>
        <source>Let the model think before it answers (saved for this chat).</source>
        <translation>让模型先思考再回答（为此对话保存）。</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="134"/>
        <source>Ask anything  (Enter sends, Shift+Enter adds a line)</source>
        <translation>有问必答（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="153"/>
        <source>Attach</source>
        <translation>附加</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="159"/>
        <source>Attach documents: text, Markdown, code, PDF, Word, HTML ({keys})</source>
        <translation>附加文档：文本、Markdown、代码、PDF、Word、HTML（{keys}）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="170"/>
        <source>Think</source>
        <translation>思考</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="175"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="177"/>
        <source>Write a new version of the last answer</source>
        <translation>为最后一个回答生成新版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="179"/>
        <location filename="../../app/chat/composer.py" line="215"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="215"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="216"/>
        <source>Stop the answer (Esc)</source>
        <translation>停止回答（Esc）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="216"/>
        <location filename="../../app/chat/composer.py" line="346"/>
        <source>Send (Enter)</source>
        <translation>发送（Enter）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="258"/>
        <source>Documents ({patterns})</source>
        <translation>文档（{patterns}）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="258"/>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="261"/>
        <source>Attach documents</source>
        <translation>附加文档</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="344"/>
        <source>Wait until the attachments are read</source>
        <translation>请等待附件读取完成</translation>
    </message>
</context>
<context>
    <name>ContextDialog</name>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="38"/>
        <source>The conversation does not fit</source>
        <translation>对话超出了上下文</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="53"/>
        <source>Raise the context</source>
        <translation>增大上下文</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="55"/>
        <source>Leave out the oldest messages</source>
        <translation>略去最早的消息</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="65"/>
        <source>Start a new chat with a summary</source>
        <translation>以摘要开始新对话</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="69"/>
        <source>Send nothing; the message and its attachments stay in the composer</source>
        <translation>什么也不发送；消息和附件留在输入框中</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="87"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="87"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="88"/>
        <source>{who}: “{words}”</source>
        <translation>{who}：“{words}”</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="91"/>
        <source>… and {count} more</source>
        <translation>… 以及另外 {count} 条</translation>
    </message>
    <message>
        <location filename="../../app/chat/context_dialog.py" line="92"/>
        <source>They stay in the chat, marked; the model no longer reads them.</source>
        <translation>它们仍留在对话中并被标记；模型不再读取它们。</translation>
    </message>
</context>
<context>
    <name>ContextWords</name>
    <message>
        <location filename="../../app/words/context.py" line="32"/>
        <source>{used} of {context} tokens: too long for the context</source>
        <translation>{used} / {context} 个词元：超出上下文</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="36"/>
        <source>{used} of {context} tokens: too little room left for an answer</source>
        <translation>{used} / {context} 个词元：留给回答的空间太少</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="40"/>
        <source>{used} of {context} tokens ({percent} %)</source>
        <translation>{used} / {context} 个词元（{percent} %）</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="45"/>
        <source>{use} · {time} to read</source>
        <translation>{use} · 读取约需 {time}</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="53"/>
        <source>under a second</source>
        <translation>不到一秒</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="55"/>
        <source>about {seconds} s</source>
        <translation>约 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="59"/>
        <source>about {minutes} min {seconds} s</source>
        <translation>约 {minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="71"/>
        <source>Start a new chat that begins with a summary of this one (the model writes the summary first; this chat stays as it is).</source>
        <translation>开始一个以本对话摘要开头的新对话（模型先写摘要；本对话保持不变）。</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="83"/>
        <source>The conversation is {tokens} tokens long and does not fit the {context}-token context with room for an answer. Nothing has been cut.</source>
        <translation>对话长 {tokens} 个词元，在 {context} 个词元的上下文中放不下，也没有留给回答的空间。没有删减任何内容。</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="90"/>
        <source>{headline} {advice}</source>
        <translation>{headline}{advice}</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="92"/>
        <source>No larger context fits this model and machine: shorten the message.</source>
        <translation>这个模型和这台电脑放不下更大的上下文：请缩短消息。</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="103"/>
        <source>Raise the context to {tokens} tokens and reload the model (how much more memory that takes is not known).</source>
        <translation>将上下文增大到 {tokens} 个词元并重新加载模型（需要多少额外内存未知）。</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="108"/>
        <source>Raise the context to {tokens} tokens and reload the model (about {size} more memory).</source>
        <translation>将上下文增大到 {tokens} 个词元并重新加载模型（约多用 {size} 内存）。</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="119"/>
        <source>Leave out the oldest message ({tokens} tokens) so that the rest fits.</source>
        <translation>略去最早的一条消息（{tokens} 个词元），让其余部分放得下。</translation>
    </message>
    <message>
        <location filename="../../app/words/context.py" line="123"/>
        <source>Leave out the {count} oldest messages ({tokens} tokens) so that the rest fits.</source>
        <translation>略去最早的 {count} 条消息（{tokens} 个词元），让其余部分放得下。</translation>
    </message>
</context>
<context>
    <name>ConversationPanel</name>
    <message>
        <location filename="../../app/conversations/panel.py" line="70"/>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="72"/>
        <source>Start a new chat (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="77"/>
        <source>Search chats</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="78"/>
        <source>Search titles and messages (Ctrl+F)</source>
        <translation>搜索标题和消息（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../app/conversations/context_menu.py" line="56"/>
        <location filename="../../app/conversations/panel.py" line="105"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="111"/>
        <location filename="../../app/conversations/panel.py" line="397"/>
        <source>No chats yet.</source>
        <translation>还没有对话。</translation>
    </message>
    <message>
        <location filename="../../app/conversations/undo_bar.py" line="30"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../app/conversations/undo_bar.py" line="47"/>
        <source>Deleted “{title}”.</source>
        <translation>已删除“{title}”。</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="192"/>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="193"/>
        <source>JSON, can be imported again (*.json)</source>
        <translation>JSON，可重新导入 (*.json)</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="201"/>
        <source>Export chats</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="217"/>
        <source>Could not export</source>
        <translation>无法导出</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="227"/>
        <source>Import chats</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="229"/>
        <source>MiniCPM Chat export (*.json);;All files (*)</source>
        <translation>MiniCPM Chat 导出文件 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="237"/>
        <source>Could not import chats</source>
        <translation>无法导入对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="331"/>
        <source>Export all chats…</source>
        <translation>导出全部对话…</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="333"/>
        <source>Import chats…</source>
        <translation>导入对话…</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="337"/>
        <source>Include reasoning in Markdown</source>
        <translation>Markdown 中包含推理过程</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="347"/>
        <location filename="../../app/conversations/panel.py" line="348"/>
        <source>Export and import chats</source>
        <translation>导出和导入对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/context_menu.py" line="44"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location filename="../../app/conversations/context_menu.py" line="47"/>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <location filename="../../app/conversations/context_menu.py" line="49"/>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <location filename="../../app/conversations/context_menu.py" line="52"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="397"/>
        <source>No chats match.</source>
        <translation>没有匹配的对话。</translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <location filename="../../app/models/catalog_view.py" line="96"/>
        <source>Offline mode is on: nothing is downloaded. Turn it off in Settings.</source>
        <translation>离线模式已开启：不会下载任何内容。请在设置中关闭。</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="259"/>
        <source>This PC: {summary}</source>
        <translation>本机：{summary}</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="105"/>
        <source>Fit counts the KV cache, which grows with the context length</source>
        <translation>适配度已计入 KV 缓存，它随上下文长度增长</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="63"/>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="109"/>
        <source>{n:,} tokens</source>
        <translation>{n:,} 词元</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="126"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="127"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="128"/>
        <source>Cancel…</source>
        <translation>取消…</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="129"/>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="130"/>
        <source>Clear finished</source>
        <translation>清除已完成</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="112"/>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="147"/>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="274"/>
        <source>Offline mode is on, so nothing connects to the internet. Turn it off in Settings to download models.</source>
        <translation>离线模式已开启，不会连接互联网。要下载模型，请在设置中关闭离线模式。</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="278"/>
        <source>Add this file to the download queue</source>
        <translation>将此文件加入下载队列</translation>
    </message>
    <message>
        <location filename="../../app/models/catalog_view.py" line="300"/>
        <source>Cancel the download of {name}? The partially downloaded file is deleted.</source>
        <translation>取消下载 {name}？已下载的部分文件将被删除。</translation>
    </message>
</context>
<context>
    <name>DownloadWords</name>
    <message>
        <location filename="../../app/words/downloads.py" line="35"/>
        <source>Hugging Face</source>
        <translation>Hugging Face</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="37"/>
        <source>the mirror</source>
        <translation>镜像</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="39"/>
        <source>ModelScope</source>
        <translation>ModelScope</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="41"/>
        <source>the server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="47"/>
        <source>the Hugging Face Hub</source>
        <translation>Hugging Face Hub</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="67"/>
        <source>&apos;{repo}&apos; is not a valid Hugging Face repository id.</source>
        <translation>“{repo}”不是有效的 Hugging Face 仓库 ID。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="73"/>
        <source>&apos;{repo}&apos; is not a repository id (owner/name).</source>
        <translation>“{repo}”不是仓库 ID（格式应为 owner/name）。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="79"/>
        <source>Cannot reach {host}: {reason}</source>
        <translation>无法连接 {host}：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="86"/>
        <source>The repository {repo} needs a ModelScope token (it is private or does not exist).</source>
        <translation>仓库 {repo} 需要 ModelScope 令牌（它是私有仓库或不存在）。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="91"/>
        <source>The repository {repo} needs a Hugging Face token (it is private or gated, or does not exist). Add a token in Settings and try again.</source>
        <translation>仓库 {repo} 需要 Hugging Face 令牌（它是私有或受限仓库，或不存在）。请在设置中添加令牌后重试。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="101"/>
        <source>The repository {repo} was refused with this ModelScope token. Check the token.</source>
        <translation>使用此 ModelScope 令牌访问仓库 {repo} 被拒绝。请检查令牌。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="106"/>
        <source>The repository {repo} was refused with this token. Check the token, and accept the model&apos;s license on its Hub page if it is gated.</source>
        <translation>使用此令牌访问仓库 {repo} 被拒绝。请检查令牌；如果该模型受限，请先在其 Hub 页面上接受模型许可协议。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="115"/>
        <source>Not found on {host}: the repository {repo}. Check the name.</source>
        <translation>在 {host} 上找不到仓库 {repo}。请检查名称。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="121"/>
        <source>{host} answered HTTP {status} for the repository {repo}.</source>
        <translation>{host} 对仓库 {repo} 返回了 HTTP {status}。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="127"/>
        <source>{host} sent an unexpected file list for the repository {repo}.</source>
        <translation>{host} 返回的仓库 {repo} 文件列表异常。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="133"/>
        <source>The repository lists an unsafe file name: {file}.</source>
        <translation>仓库中列出了不安全的文件名：{file}。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="139"/>
        <source>The repository {repo} has no files.</source>
        <translation>仓库 {repo} 中没有文件。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="145"/>
        <source>The repository {repo} has no file named {file}.</source>
        <translation>仓库 {repo} 中没有名为 {file} 的文件。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="151"/>
        <source>{source} has no file {file} in {repo}.</source>
        <translation>{source} 上的 {repo} 中没有文件 {file}。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="160"/>
        <source>{source} refused {file} (HTTP {status}).</source>
        <translation>{source} 拒绝了 {file}（HTTP {status}）。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="168"/>
        <source>Not found on {source}: {file}. Check the name.</source>
        <translation>在 {source} 上找不到 {file}。请检查名称。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="174"/>
        <source>{source} answered HTTP {status} for {file}.</source>
        <translation>{source} 对 {file} 返回了 HTTP {status}。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="182"/>
        <source>Cannot download {file} from {source}: {reason}</source>
        <translation>无法从 {source} 下载 {file}：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="190"/>
        <source>Downloading {file} from {source} failed {failures} times in a row ({reason}). The partial file is kept: run the download again to resume.</source>
        <translation>从 {source} 下载 {file} 连续失败 {failures} 次（{reason}）。已保留部分下载的文件：再次运行下载即可继续。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="203"/>
        <source>no data for {seconds} s</source>
        <translation>{seconds} 秒内未收到数据</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="209"/>
        <source>connection lost: {reason}</source>
        <translation>连接中断：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="215"/>
        <source>HTTP {status}</source>
        <translation>HTTP {status}</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="221"/>
        <source>{file} is corrupt: its checksum does not match the Hub&apos;s ({got}… instead of {expected}…). The partial file was deleted; download it again.</source>
        <translation>{file} 已损坏：其校验和与 Hub 上的不一致（为 {got}…，应为 {expected}…）。部分下载的文件已删除；请重新下载。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="229"/>
        <source>Not enough disk space in {folder}: the download needs {needed} more and {free} is free, and the app keeps {reserve} free for your chats and settings. Free at least {short} and try again.</source>
        <translation>{folder} 所在磁盘空间不足：下载还需要 {needed}，当前可用 {free}，且应用会为你的对话和设置保留 {reserve} 空间。请至少释放 {short} 后重试。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="244"/>
        <source>The disk filled up during the download. The partial file is kept: free some space and run the download again to resume.</source>
        <translation>下载过程中磁盘已满。已保留部分下载的文件：请释放一些空间，然后再次运行下载即可继续。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="253"/>
        <source>Offline mode is on, so nothing is downloaded. Turn it off in Settings (or unset {variable}) to download models.</source>
        <translation>离线模式已开启，不会下载任何内容。要下载模型，请在设置中关闭离线模式（或取消设置 {variable}）。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="258"/>
        <source>Offline mode is on, so nothing is downloaded. Turn it off in Settings to download models.</source>
        <translation>离线模式已开启，不会下载任何内容。要下载模型，请在设置中关闭离线模式。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="265"/>
        <source>Download cancelled.</source>
        <translation>下载已取消。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="269"/>
        <source>Download paused; run it again to resume.</source>
        <translation>下载已暂停；再次运行即可继续。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="274"/>
        <source>[{source}] {reason}</source>
        <translation>[{source}] {reason}</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="279"/>
        <source>Every download source failed. {details}</source>
        <translation>所有下载来源均失败。{details}</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="288"/>
        <source>Unknown source &apos;{name}&apos;; use {known}.</source>
        <translation>未知来源“{name}”；请使用 {known}。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="294"/>
        <source>The &apos;mirror&apos; source needs the mirror&apos;s address (a Hub endpoint).</source>
        <translation>“mirror”来源需要镜像的地址（一个 Hub 端点）。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="300"/>
        <source>This model is not on ModelScope, the only download source in Settings. Add Hugging Face or a mirror there.</source>
        <translation>ModelScope 上没有此模型，而它是设置中唯一的下载来源。请在设置中添加 Hugging Face 或镜像。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="308"/>
        <source>{source} failed ({reason}). Switching to {next}.</source>
        <translation>{source} 失败（{reason}）。正在切换到 {next}。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="318"/>
        <location filename="../../app/words/downloads.py" line="319"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="322"/>
        <source>{source} has a different {file} than {before} (SHA-256 {new} vs {old}): starting this file over rather than mixing bytes of two files.</source>
        <translation>{source} 上的 {file} 与 {before} 上的不同（SHA-256 {new} 与 {old}）：将重新下载此文件，以免混合两个不同文件的数据。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="328"/>
        <source>{source} has a different {file} than before (SHA-256 {new} vs {old}): starting this file over rather than mixing bytes of two files.</source>
        <translation>{source} 上的 {file} 与之前的不同（SHA-256 {new} 与 {old}）：将重新下载此文件，以免混合两个不同文件的数据。</translation>
    </message>
    <message>
        <location filename="../../app/words/downloads.py" line="337"/>
        <source>Unexpected error: {error}</source>
        <translation>意外错误：{error}</translation>
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
    <name>DraftChip</name>
    <message>
        <location filename="../../app/chat/attachment_chips.py" line="107"/>
        <source>Remove {name}</source>
        <translation>移除 {name}</translation>
    </message>
</context>
<context>
    <name>FirstRunBanner</name>
    <message>
        <location filename="../../app/models/banner.py" line="49"/>
        <source>Recommended for this PC: {name} ({quant}, {size})</source>
        <translation>推荐本机使用：{name}（{quant}，{size}）</translation>
    </message>
    <message>
        <location filename="../../app/models/banner.py" line="55"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/models/banner.py" line="57"/>
        <source>Not now</source>
        <translation>以后再说</translation>
    </message>
    <message>
        <location filename="../../app/models/banner.py" line="96"/>
        <source>Offline mode is on: turn it off in Settings to download models.</source>
        <translation>离线模式已开启：要下载模型，请在设置中关闭。</translation>
    </message>
</context>
<context>
    <name>GenerationPage</name>
    <message>
        <location filename="../../app/settings/generation_page.py" line="31"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="38"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="40"/>
        <source>A whole number repeats the same answer; blank picks a new one</source>
        <translation>填整数可复现相同回答；留空则每次不同</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="46"/>
        <source>Think before answering in new chats</source>
        <translation>新对话中先思考再回答</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="51"/>
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="53"/>
        <source>At most this many reasoning tokens; then the answer follows</source>
        <translation>最多思考这么多个词元，之后直接给出回答</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="56"/>
        <source>Use each model&apos;s recommended temperature and top p</source>
        <translation>使用各模型推荐的温度和 top p</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="60"/>
        <source>For catalog models, per thinking mode; other models use the values above</source>
        <translation>适用于目录中的模型，按思考模式区分；其他模型使用上面的数值</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="63"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="64"/>
        <source>Top p</source>
        <translation>Top p</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="65"/>
        <source>Top k</source>
        <translation>Top k</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="66"/>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="67"/>
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="68"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="69"/>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <location filename="../../app/settings/generation_page.py" line="71"/>
        <source>Thinking budget</source>
        <translation>思考预算</translation>
    </message>
</context>
<context>
    <name>HardwareWords</name>
    <message>
        <location filename="../../app/words/hardware.py" line="30"/>
        <source>OpenVINO: {devices}</source>
        <translation>OpenVINO：{devices}</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="37"/>
        <source>CUDA: {name}, {size}</source>
        <translation>CUDA：{name}，{size}</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="51"/>
        <source>{device} {verdict}: {why}</source>
        <translation>{device} {verdict}：{why}</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="56"/>
        <source>{best} ({skipped})</source>
        <translation>{best}（{skipped}）</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="64"/>
        <source>{device}: {fit}</source>
        <translation>{device}：{fit}</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="67"/>
        <source>CPU: {fit}</source>
        <translation>CPU：{fit}</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="77"/>
        <source>{weights} weights + {kv} KV cache ({kv_type}) at {tokens:,} tokens + {runtime} runtime = {need} of {memory} GPU memory</source>
        <translation>{weights} 权重 + {tokens:,} 个词元的 {kv} KV 缓存（{kv_type}）+ {runtime} 运行开销 = {need}，GPU 显存共 {memory}</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="83"/>
        <source>{weights} weights + {kv} KV cache at {tokens:,} tokens + {runtime} runtime = {need} of {memory} GPU memory</source>
        <translation>权重 {weights} + {tokens:,} 词元的 KV 缓存 {kv} + 运行时 {runtime} = {need}，共 {memory} 显存</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="89"/>
        <source>{weights} weights + {kv} KV cache ({kv_type}) at {tokens:,} tokens + {runtime} runtime = {need} of {memory} RAM</source>
        <translation>{weights} 权重 + {tokens:,} 个词元的 {kv} KV 缓存（{kv_type}）+ {runtime} 运行开销 = {need}，内存共 {memory}</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="95"/>
        <source>{weights} weights + {kv} KV cache at {tokens:,} tokens + {runtime} runtime = {need} of {memory} RAM</source>
        <translation>权重 {weights} + {tokens:,} 词元的 KV 缓存 {kv} + 运行时 {runtime} = {need}，共 {memory} 内存</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="113"/>
        <source>fits</source>
        <translation>可运行</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="115"/>
        <source>tight</source>
        <translation>勉强</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="116"/>
        <source>too large</source>
        <translation>过大</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="121"/>
        <source>{cpu}, {threads} threads ({flags})</source>
        <translation>{cpu}，{threads} 线程（{flags}）</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="124"/>
        <source>no AVX2</source>
        <translation>无 AVX2</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="129"/>
        <source>{total} RAM ({free} free)</source>
        <translation>内存 {total}（可用 {free}）</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="139"/>
        <source>{device} ({details})</source>
        <translation>{device}（{details}）</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="150"/>
        <source>{earlier}, {following}</source>
        <translation>{earlier}，{following}</translation>
    </message>
    <message>
        <location filename="../../app/words/hardware.py" line="161"/>
        <source>{earlier}; {following}</source>
        <translation>{earlier}；{following}</translation>
    </message>
</context>
<context>
    <name>InstalledModelsView</name>
    <message>
        <location filename="../../app/models/installed_view.py" line="71"/>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="226"/>
        <source>OpenVINO IR folder</source>
        <translation>OpenVINO IR 文件夹</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="226"/>
        <source>GGUF file</source>
        <translation>GGUF 文件</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="229"/>
        <source>{n}-token context</source>
        <translation>{n} 词元上下文</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="233"/>
        <source>thinks (hybrid reasoning)</source>
        <translation>支持思考（混合推理）</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="256"/>
        <source>Load this model now (Settings → Model chooses it too)</source>
        <translation>立即加载此模型（也可在“设置 → 模型”中选择它）</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="258"/>
        <source>Choose an installed model that is not in use</source>
        <translation>请选择一个未在使用中的已安装模型</translation>
    </message>
</context>
<context>
    <name>LoadWords</name>
    <message>
        <location filename="../../app/words/load.py" line="22"/>
        <source>llama.cpp</source>
        <translation>llama.cpp</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="24"/>
        <source>OpenVINO</source>
        <translation>OpenVINO</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="26"/>
        <source>remote server</source>
        <translation>远程服务器</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="34"/>
        <source>the CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="36"/>
        <source>the GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="38"/>
        <source>the NPU</source>
        <translation>NPU</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="40"/>
        <source>the NVIDIA GPU</source>
        <translation>NVIDIA GPU</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="42"/>
        <source>the {device} device</source>
        <translation>{device} 设备</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="44"/>
        <source>{device_words} ({device})</source>
        <translation>{device_words}（{device}）</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="53"/>
        <source>{cause}; {instead}.</source>
        <translation>{cause}；{instead}。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="59"/>
        <source>{reason}.</source>
        <translation>{reason}.</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="63"/>
        <source>An OpenVINO IR folder runs only on OpenVINO.</source>
        <translation>OpenVINO IR 文件夹只能在 OpenVINO 上运行。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="67"/>
        <source>A smaller context needs less memory.</source>
        <translation>较小的上下文占用的内存更少。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="69"/>
        <source>llama.cpp reads every GGUF file.</source>
        <translation>llama.cpp 可以读取所有 GGUF 文件。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="72"/>
        <source>Using what worked for this model before: {backend} on {device}, {n_ctx}-token context.</source>
        <translation>沿用此模型之前成功的设置：{device} 上的 {backend}，{n_ctx} 词元上下文。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="94"/>
        <source>The context was lowered from {n_ctx} to {next_n_ctx} tokens: {n_ctx} tokens would need about {need} of memory, and {free} is free.</source>
        <translation>上下文从 {n_ctx} 降到了 {next_n_ctx} 个词元：{n_ctx} 个词元约需 {need} 内存，而可用的只有 {free}。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="100"/>
        <source>Flash attention is on to save memory: without it, {n_ctx} tokens of context would need about {need} of memory, and {free} is free.</source>
        <translation>为节省内存已打开 Flash Attention：不开的话，{n_ctx} 个词元的上下文约需 {need} 内存，而可用的只有 {free}。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="106"/>
        <source>The KV cache is kept in q8_0 to save memory: in f16, {n_ctx} tokens of context would need about {need} of memory, and {free} is free.</source>
        <translation>为节省内存，KV 缓存使用 q8_0：若用 f16，{n_ctx} 个词元的上下文约需 {need} 内存，而可用的只有 {free}。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="131"/>
        <source>There was not enough memory for a {n_ctx}-token context</source>
        <translation>内存不足，无法使用 {n_ctx} 词元的上下文</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="134"/>
        <source>There was not enough memory for an {n_ctx}-token context</source>
        <translation>内存不足，无法使用 {n_ctx} 词元的上下文</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="139"/>
        <source>{device} ran out of memory</source>
        <translation>{device} 内存不足</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="143"/>
        <source>{backend} is not available ({reason})</source>
        <translation>{backend} 不可用（{reason}）</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="147"/>
        <source>{backend} cannot run this model ({reason})</source>
        <translation>{backend} 无法运行此模型（{reason}）</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="151"/>
        <source>{device} could not be used, perhaps a driver problem ({reason})</source>
        <translation>无法使用 {device}，可能是驱动程序问题（{reason}）</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="154"/>
        <source>{backend} could not load the model ({reason})</source>
        <translation>{backend} 无法加载模型（{reason}）</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="163"/>
        <source>{backend} on {device}</source>
        <translation>{device} 上的 {backend}</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="173"/>
        <source>using {where} with a {n_ctx}-token context instead</source>
        <translation>改用 {where}，上下文为 {n_ctx} 词元</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="176"/>
        <source>using {where} with an {n_ctx}-token context instead</source>
        <translation>改用 {where}，上下文为 {n_ctx} 词元</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="184"/>
        <source>using a {n_ctx}-token context instead</source>
        <translation>改用 {n_ctx} 词元的上下文</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="185"/>
        <source>using an {n_ctx}-token context instead</source>
        <translation>改用 {n_ctx} 词元的上下文</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="188"/>
        <source>using {where} instead</source>
        <translation>改用 {where}</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="189"/>
        <source>trying again</source>
        <translation>正在重试</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="223"/>
        <source>{headline} {detail}</source>
        <translation>{headline} {detail}</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="231"/>
        <source>The model file was not found.</source>
        <translation>找不到模型文件。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="233"/>
        <source>This is neither a GGUF file nor an OpenVINO model folder.</source>
        <translation>这既不是 GGUF 文件，也不是 OpenVINO 模型文件夹。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="237"/>
        <source>The model file is damaged.</source>
        <translation>模型文件已损坏。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="239"/>
        <source>The model&apos;s chat template cannot be used.</source>
        <translation>无法使用该模型的对话模板。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="241"/>
        <source>This model is not supported.</source>
        <translation>不支持此模型。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="243"/>
        <source>The inference library is not available.</source>
        <translation>推理库不可用。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="245"/>
        <source>There is not enough memory for this model.</source>
        <translation>内存不足，无法加载此模型。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="247"/>
        <source>The model could not be loaded.</source>
        <translation>无法加载模型。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="249"/>
        <source>The conversation does not fit the model&apos;s context.</source>
        <translation>对话超出了模型的上下文长度。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="253"/>
        <source>The answer could not be generated.</source>
        <translation>无法生成回答。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="255"/>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="256"/>
        <source>Something went wrong in the engine.</source>
        <translation>推理引擎出错。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="263"/>
        <source>The conversation does not fit the {context}-token context the model was loaded with: it is at least {tokens} tokens long. Send a shorter message, start a new chat or raise the context size.</source>
        <translation>对话超出了模型加载时的 {context} 词元上下文：其长度至少为 {tokens} 词元。请发送更短的消息、开始新对话或增大上下文长度。</translation>
    </message>
    <message>
        <location filename="../../app/words/load.py" line="269"/>
        <source>The conversation does not fit the {context}-token context the model was loaded with: it is {tokens} tokens long. Send a shorter message, start a new chat or raise the context size.</source>
        <translation>对话超出了模型加载时的 {context} 词元上下文：其长度为 {tokens} 词元。请发送更短的消息、开始新对话或增大上下文长度。</translation>
    </message>
</context>
<context>
    <name>LocalApi</name>
    <message>
        <location filename="../../app/api_bridge.py" line="349"/>
        <source>Port {port} is in use by another program, so the local API is off. Choose another port in Settings → Local API.</source>
        <translation>端口 {port} 已被其他程序占用，因此本地 API 未开启。请在“设置 → 本地 API”中选择其他端口。</translation>
    </message>
    <message>
        <location filename="../../app/api_bridge.py" line="357"/>
        <source>The local API could not start: {error}</source>
        <translation>本地 API 无法启动：{error}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/toolbar.py" line="27"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="31"/>
        <location filename="../../app/toolbar.py" line="120"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="48"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="56"/>
        <source>0 always picks the likeliest word; higher is more varied</source>
        <translation>0 总是选择最可能的词；越高越多样</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="62"/>
        <source>Max tokens</source>
        <translation>最大词元数</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="69"/>
        <source>The longest answer, in tokens</source>
        <translation>回答的最大长度（词元）</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="79"/>
        <source>Import, delete, convert and download models</source>
        <translation>导入、删除、转换和下载模型</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="81"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="86"/>
        <source>Model, generation and appearance settings (Ctrl+,)</source>
        <translation>模型、生成和外观设置（Ctrl+,）</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="91"/>
        <source>About MiniCPM Chat</source>
        <translation>关于 MiniCPM Chat</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="94"/>
        <source>About</source>
        <translation>关于</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="98"/>
        <source>Version, licenses and where your data is kept (F1)</source>
        <translation>版本、许可证以及数据的保存位置（F1）</translation>
    </message>
    <message>
        <location filename="../../app/toolbar.py" line="76"/>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="148"/>
        <source>Recommended model</source>
        <translation>推荐模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="192"/>
        <source>Installed {name}. Choose it in Settings → Model.</source>
        <translation>已安装 {name}。请在“设置 → 模型”中选择它。</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="61"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="71"/>
        <source>Tokens the last answer used of the model&apos;s context</source>
        <translation>上一个回答占用的模型上下文词元数</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="76"/>
        <source>Speed of the last answer</source>
        <translation>上一个回答的速度</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="79"/>
        <source>Memory this app uses, the model included</source>
        <translation>本应用占用的内存（含模型）</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="125"/>
        <source>Importing {name}…</source>
        <translation>正在导入 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="96"/>
        <location filename="../../app/toolbar.py" line="108"/>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="32"/>
        <source>llama.cpp keeps the KV cache in {type}, half the memory of f16.</source>
        <translation>llama.cpp 的 KV 缓存使用 {type}，内存是 f16 的一半。</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="36"/>
        <source>This CPU has no bf16 arithmetic, so OpenVINO computes in exact f32 instead.</source>
        <translation>此 CPU 不支持 bf16 运算，OpenVINO 改用精确的 f32 计算。</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="40"/>
        <source>OpenVINO computes in {precision}.</source>
        <translation>OpenVINO 以 {precision} 精度计算。</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="49"/>
        <source>Prompts longer than {count} tokens are read with sparse prefill (faster; the end of the prompt still sees all of it).</source>
        <translation>超过 {count} 个词元的提示词用稀疏预填充读取（更快；提示词末尾仍能看到全部内容）。</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="115"/>
        <source>The model could not be loaded</source>
        <translation>无法加载模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="401"/>
        <source>The model could not be loaded: {message}</source>
        <translation>无法加载模型：{message}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="415"/>
        <source>Imported {name}. Choose it in Settings → Model.</source>
        <translation>已导入 {name}。请在“设置 → 模型”中选择它。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="423"/>
        <source>{name} was not imported: {error}</source>
        <translation>{name} 未能导入：{error}</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="157"/>
        <source>{speed:.1f} tokens/s</source>
        <translation>{speed:.1f} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="193"/>
        <source>API answering…</source>
        <translation>API 正在回答…</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="195"/>
        <source>API: {url}</source>
        <translation>API：{url}</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="198"/>
        <source>The local OpenAI-compatible API is on: programs can use the loaded model at {url}. Its answers wait for the chat&apos;s and the chat&apos;s for them. Settings → Local API turns it off.</source>
        <translation>本地 OpenAI 兼容 API 已开启：程序可以通过 {url} 使用已加载的模型。它的回答与聊天的回答轮流进行。可在“设置 → 本地 API”中关闭。</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="213"/>
        <source>{size} in use</source>
        <translation>已用 {size}</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="147"/>
        <source>Context {used:,} / {available:,}</source>
        <translation>上下文 {used:,} / {available:,}</translation>
    </message>
    <message>
        <location filename="../../app/status_bar.py" line="152"/>
        <source>Context –</source>
        <translation>上下文 –</translation>
    </message>
</context>
<context>
    <name>MessageAttachmentChip</name>
    <message>
        <location filename="../../app/chat/attachment_chips.py" line="129"/>
        <source>{name} · {size}</source>
        <translation>{name} · {size}</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <location filename="../../app/chat/message_widget.py" line="165"/>
        <source>Waiting for the model…</source>
        <translation>正在等待模型…</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="380"/>
        <source>This answer was interrupted before it finished.</source>
        <translation>此回答在完成前被中断。</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="230"/>
        <location filename="../../app/chat/message_widget.py" line="276"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="189"/>
        <source>Left out of what the model reads</source>
        <translation>已从模型读取的内容中略去</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="192"/>
        <source>You chose to leave this message out when the conversation no longer fit.</source>
        <translation>对话超出上下文时，你选择了略去这条消息。</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="241"/>
        <source>The model stopped while thinking, before it answered.</source>
        <translation>模型在思考中停了下来，还没有给出回答。</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="245"/>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="247"/>
        <source>Write a new version that goes on from this thought, with twice the room</source>
        <translation>从这段思考接着写一个新版本，可用长度加倍</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="252"/>
        <location filename="../../app/chat/message_widget.py" line="284"/>
        <source>Regenerate without thinking</source>
        <translation>不思考，重新生成</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="263"/>
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="267"/>
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="269"/>
        <location filename="../../app/chat/message_widget.py" line="468"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="269"/>
        <source>Copy this message</source>
        <translation>复制此消息</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="272"/>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="272"/>
        <source>Edit and send again as a new version</source>
        <translation>编辑并作为新版本重新发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="276"/>
        <source>Write a new version of this answer</source>
        <translation>为此回答生成新版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="281"/>
        <source>Regenerate with thinking</source>
        <translation>思考后重新生成</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="307"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="309"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="361"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="361"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="376"/>
        <source>This answer failed: {reason}</source>
        <translation>此回答失败：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="406"/>
        <source>Showing the first {shown} of {total} characters. Copy takes them all.</source>
        <translation>显示前 {shown} 个字符，共 {total} 个。复制会包含全部内容。</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="430"/>
        <source>Thinking on</source>
        <translation>思考：开</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="430"/>
        <source>Thinking off</source>
        <translation>思考：关</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="463"/>
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
        <location filename="../../app/chat/formatting.py" line="70"/>
        <source>sparse prefill</source>
        <translation>稀疏预填充</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="79"/>
        <source>less than a second</source>
        <translation>不到 1 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="82"/>
        <source>1 second</source>
        <translation>1 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="83"/>
        <source>{count} seconds</source>
        <translation>{count} 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="87"/>
        <source>{minutes} min {seconds} s</source>
        <translation>{minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="94"/>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="96"/>
        <source>Thoughts</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <location filename="../../app/chat/formatting.py" line="97"/>
        <source>Thought for {duration}</source>
        <translation>思考用时：{duration}</translation>
    </message>
</context>
<context>
    <name>ModelConverter</name>
    <message>
        <location filename="../../app/models/converter.py" line="129"/>
        <source>Unexpected error: {error}</source>
        <translation>意外错误：{error}</translation>
    </message>
</context>
<context>
    <name>ModelImporter</name>
    <message>
        <location filename="../../app/models/importer.py" line="80"/>
        <source>Copying failed: {error}</source>
        <translation>复制失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/models/importer.py" line="82"/>
        <source>Unexpected error: {error}</source>
        <translation>意外错误：{error}</translation>
    </message>
    <message>
        <location filename="../../app/models/importer.py" line="94"/>
        <source>The import was cancelled.</source>
        <translation>导入已取消。</translation>
    </message>
</context>
<context>
    <name>ModelPage</name>
    <message>
        <location filename="../../app/models/installed_view.py" line="55"/>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="58"/>
        <source>Copy a .gguf file or an OpenVINO IR folder into the models folder</source>
        <translation>将 .gguf 文件或 OpenVINO IR 文件夹复制到模型文件夹</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="64"/>
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="68"/>
        <source>Copy an OpenVINO IR folder in</source>
        <translation>复制一个 OpenVINO IR 文件夹进来</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="74"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="80"/>
        <source>Prepare for Intel CPU / GPU / NPU…</source>
        <translation>为 Intel CPU / GPU / NPU 准备…</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="93"/>
        <source>int8 weights</source>
        <translation>int8 权重</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="90"/>
        <source>int4 weights (smallest)</source>
        <translation>int4 权重（最小）</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="99"/>
        <source>How the prepared OpenVINO model stores its weights</source>
        <translation>准备好的 OpenVINO 模型如何存储权重</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="104"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="143"/>
        <source>Automatic tries the GPU first and falls back to the CPU. OpenVINO uses GPU and NPU; llama.cpp uses an NVIDIA GPU through CUDA</source>
        <translation>“自动”会先尝试 GPU，失败时回退到 CPU。OpenVINO 可使用 GPU 和 NPU；llama.cpp 通过 CUDA 使用 NVIDIA GPU</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="152"/>
        <source> tokens</source>
        <translation> 词元</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="48"/>
        <location filename="../../app/settings/model_page.py" line="53"/>
        <location filename="../../app/settings/model_page.py" line="155"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="55"/>
        <source>GPU (OpenVINO)</source>
        <translation>GPU（OpenVINO）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="56"/>
        <source>NPU (OpenVINO)</source>
        <translation>NPU（OpenVINO）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="57"/>
        <source>NVIDIA GPU (CUDA)</source>
        <translation>NVIDIA GPU（CUDA）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="68"/>
        <source>Automatic (exact on CPU)</source>
        <translation>自动（CPU 上精确计算）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="69"/>
        <source>Exact (f32)</source>
        <translation>精确（f32）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="70"/>
        <source>Fast (bf16)</source>
        <translation>快速（bf16）</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="87"/>
        <source>Weights as in the file (exact)</source>
        <translation>与文件相同的权重（精确）</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="96"/>
        <source>f16 weights (largest)</source>
        <translation>f16 权重（最大）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="74"/>
        <source>Automatic (q8_0 only where memory is short)</source>
        <translation>自动（仅在内存不足时用 q8_0）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="75"/>
        <source>Full (f16)</source>
        <translation>完整（f16）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="76"/>
        <source>Half the memory (q8_0)</source>
        <translation>一半内存（q8_0）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="80"/>
        <source>Automatic (long prompts)</source>
        <translation>自动（长提示词）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="81"/>
        <source>Always</source>
        <translation>始终</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="82"/>
        <source>Never (dense)</source>
        <translation>从不（稠密）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="130"/>
        <source>Manage models…</source>
        <translation>管理模型…</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="132"/>
        <source>Import, delete, convert and download models</source>
        <translation>导入、删除、转换和下载模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="158"/>
        <source>llama.cpp only: layers to run on the GPU (0 = none)</source>
        <translation>仅限 llama.cpp：在 GPU 上运行的层数（0 = 不使用）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="165"/>
        <source>OpenVINO only. Exact computes in f32: the same answers on every computer, and the fastest decoding. Fast computes in bf16 on CPUs that have it (AVX-512 BF16 or AMX): long prompts are read about twice as fast, answers differ slightly</source>
        <translation>仅限 OpenVINO。精确模式以 f32 计算：在每台电脑上答案相同，解码最快。快速模式在支持的 CPU（AVX-512 BF16 或 AMX）上以 bf16 计算：长提示词的读取速度约快一倍，答案略有不同</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="176"/>
        <source>OpenVINO only. Sparse prefill reads long prompts several times faster by letting most of the prompt attend only to its start and its recent part; the end of the prompt, where the question is, still sees everything. Automatic uses it above about 4,200 tokens, Always above about 2,200. Shorter prompts are computed exactly as without it</source>
        <translation>仅限 OpenVINO。稀疏预填充让提示词的大部分只关注开头和最近的部分，从而把长提示词的读取加快数倍；提示词末尾（问题所在处）仍能看到全部内容。“自动”在约 4,200 个词元以上使用，“始终”在约 2,200 个以上。更短的提示词的计算与不使用时完全相同</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="188"/>
        <source>llama.cpp only. q8_0 keeps the conversation&apos;s keys and values in 8 bits: about half the memory of f16 for the same context, with flash attention. On the CPU it reads long prompts two to three times slower and decodes up to 40 % slower; its answers differ from f16&apos;s about as much as flash attention alone changes them. Automatic keeps f16 and uses q8_0 only where an f16 cache would not fit in the free memory</source>
        <translation>仅限 llama.cpp。q8_0 用 8 位保存对话的键和值：同样的上下文约占 f16 一半的内存，并会打开 Flash Attention。在 CPU 上它读取长提示词慢二到三倍，生成最多慢 40 %；它的回答与 f16 的差别，大约和单独打开 Flash Attention 时相当。“自动”保持 f16，仅在可用内存放不下 f16 缓存时使用 q8_0</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="197"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="198"/>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="199"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="200"/>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="201"/>
        <source>CPU threads</source>
        <translation>CPU 线程数</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="202"/>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="203"/>
        <source>OpenVINO precision</source>
        <translation>OpenVINO 精度</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="204"/>
        <source>KV cache</source>
        <translation>KV 缓存</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="205"/>
        <source>Sparse prefill</source>
        <translation>稀疏预填充</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="330"/>
        <source>Remote servers are off while working offline</source>
        <translation>离线工作时远程服务器不可用</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="338"/>
        <source>{model} — {server} (remote)</source>
        <translation>{model} — {server}（远程）</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="347"/>
        <source>{server} (remote): no models listed</source>
        <translation>{server}（远程）：没有列出模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="128"/>
        <source>No model is installed</source>
        <translation>尚未安装模型</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="151"/>
        <source>Delete model</source>
        <translation>删除模型</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="152"/>
        <source>Delete {name}? Its files are removed from
{path}</source>
        <translation>删除 {name}？其文件将从以下位置移除：
{path}</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="164"/>
        <source>{name} could not be deleted: {error}</source>
        <translation>无法删除 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="170"/>
        <source>Deleted {name}.</source>
        <translation>已删除 {name}。</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="207"/>
        <source> (in use)</source>
        <translation>（使用中）</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="239"/>
        <source>{name} comes with the app and cannot be deleted.</source>
        <translation>{name} 随应用附带，无法删除。</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="243"/>
        <source>{name} is in use. Load another model first, then delete this one.</source>
        <translation>{name} 正在使用中。请先加载其他模型，再删除此模型。</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="330"/>
        <source>Imported {name}. Choose it in Settings → Model.</source>
        <translation>已导入 {name}。请在“设置 → 模型”中选择它。</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="202"/>
        <location filename="../../app/settings/model_page.py" line="393"/>
        <source> (bundled)</source>
        <translation>（内置）</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="92"/>
        <source>Drop a .gguf file or an OpenVINO IR folder here to import it.</source>
        <translation>将 .gguf 文件或 OpenVINO IR 文件夹拖放到此处即可导入。</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="205"/>
        <location filename="../../app/settings/model_page.py" line="395"/>
        <source> (unusable)</source>
        <translation>（不可用）</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="263"/>
        <source>Delete the chosen model&apos;s files</source>
        <translation>删除所选模型的文件</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="142"/>
        <source>{name} cannot be prepared: {error}</source>
        <translation>无法准备 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="149"/>
        <source>Prepare for Intel CPU / GPU / NPU</source>
        <translation>为 Intel CPU / GPU / NPU 准备</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="161"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="176"/>
        <source>Convert this GGUF into an OpenVINO model for Intel CPUs, GPUs and NPUs, checked against llama.cpp before it is listed</source>
        <translation>把这个 GGUF 转换为适用于 Intel CPU、GPU 和 NPU 的 OpenVINO 模型，列出之前会与 llama.cpp 对照检查</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="182"/>
        <source>Only an installed MiniCPM or Llama GGUF file that OpenVINO can run can be prepared</source>
        <translation>只能准备已安装且 OpenVINO 能运行的 MiniCPM 或 Llama GGUF 文件</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="190"/>
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
        <location filename="../../app/models/convert_panel.py" line="208"/>
        <source>Warning: only {free} of disk space is free.</source>
        <translation>警告：磁盘可用空间仅剩 {free}。</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="212"/>
        <source>Warning: only {free} of memory is available; the conversion may be slow or fail.</source>
        <translation>警告：可用内存仅剩 {free}；转换可能很慢或失败。</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="270"/>
        <source>Prepared {name}. {details}. Choose it in Settings → Model.</source>
        <translation>已准备好 {name}。{details}。请在“设置 → 模型”中选择它。</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="227"/>
        <source>requantizing with llama.cpp</source>
        <translation>用 llama.cpp 重新量化</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="228"/>
        <source>building the OpenVINO model</source>
        <translation>构建 OpenVINO 模型</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="229"/>
        <source>saving</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="230"/>
        <source>checking against llama.cpp</source>
        <translation>与 llama.cpp 比对</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="231"/>
        <source>registering</source>
        <translation>登记</translation>
    </message>
    <message>
        <location filename="../../app/settings/model_page.py" line="450"/>
        <source>This CPU has no bf16 arithmetic (AVX-512 BF16 or AMX)</source>
        <translation>此 CPU 不支持 bf16 运算（AVX-512 BF16 或 AMX）</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="284"/>
        <source>Import a model</source>
        <translation>导入模型</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="286"/>
        <source>Models (*.gguf {marker});;All files (*)</source>
        <translation>模型 (*.gguf {marker});;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="296"/>
        <source>Import an OpenVINO IR folder</source>
        <translation>导入 OpenVINO IR 文件夹</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="320"/>
        <source>Importing {name}…</source>
        <translation>正在导入 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="250"/>
        <source>Preparing {name} for OpenVINO…</source>
        <translation>正在为 OpenVINO 准备 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="260"/>
        <source>Preparing {name} for OpenVINO: {stage}…</source>
        <translation>正在为 OpenVINO 准备 {name}：{stage}…</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="281"/>
        <source>Preparing {name} was cancelled; nothing was added.</source>
        <translation>已取消准备 {name}；未添加任何内容。</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="285"/>
        <source>{name} was converted, but the result disagrees with llama.cpp too often, so it was not added. {error}</source>
        <translation>{name} 已转换，但结果与 llama.cpp 不一致的次数过多，因此未添加。{error}</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="291"/>
        <source>Preparing {name} ran out of disk space; nothing was added. {error}</source>
        <translation>准备 {name} 时磁盘空间不足；未添加任何内容。{error}</translation>
    </message>
    <message>
        <location filename="../../app/models/convert_panel.py" line="295"/>
        <source>{name} could not be prepared; nothing was added. {error}</source>
        <translation>无法准备 {name}；未添加任何内容。{error}</translation>
    </message>
    <message>
        <location filename="../../app/models/installed_view.py" line="339"/>
        <source>{name} was not imported: {error}</source>
        <translation>{name} 未能导入：{error}</translation>
    </message>
</context>
<context>
    <name>ModelReloader</name>
    <message>
        <location filename="../../app/application.py" line="376"/>
        <source>{model} is on the server {server}, and remote servers are off while working offline. Turn off “Work offline” in Settings → Downloads, or pick a model on this computer.</source>
        <translation>{model} 位于服务器 {server} 上，而离线工作时远程服务器不可用。请在“设置 → 下载”中关闭“离线工作”，或选择本机上的模型。</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="385"/>
        <source>The server {server} is no longer in Settings, so {model} cannot be loaded. Add the server again in Settings → Servers, or pick another model.</source>
        <translation>服务器 {server} 已不在设置中，因此无法加载 {model}。请在“设置 → 服务器”中重新添加该服务器，或选择其他模型。</translation>
    </message>
</context>
<context>
    <name>ModelsWindow</name>
    <message>
        <location filename="../../app/models/window.py" line="37"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/models/window.py" line="46"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location filename="../../app/models/window.py" line="49"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
</context>
<context>
    <name>RemoteWords</name>
    <message>
        <location filename="../../app/words/remote.py" line="37"/>
        <source>the server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="48"/>
        <source>{sentence} ({detail})</source>
        <translation>{sentence}（{detail}）</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="58"/>
        <source>Could not connect to {host}. Is the server running, and is the address right?</source>
        <translation>无法连接到 {host}。服务器是否在运行？地址是否正确？</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="63"/>
        <source>The secure connection to {host} failed. Check whether the address starts with http or https, and the server&apos;s certificate.</source>
        <translation>与 {host} 的安全连接失败。请检查地址应以 http 还是 https 开头，以及服务器的证书。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="69"/>
        <source>{host} did not answer within the read timeout; thinking models can take minutes: raise it in Settings → Servers.</source>
        <translation>{host} 在读取超时内没有回应；思考模型可能需要几分钟：请在“设置 → 服务器”中调高读取超时。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="75"/>
        <source>{host} refused the API key. Check the key in Settings → Servers.</source>
        <translation>{host} 拒绝了 API 密钥。请在“设置 → 服务器”中检查密钥。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="81"/>
        <source>{host} is busy (too many requests). Try again in a moment.</source>
        <translation>{host} 正忙（请求过多）。请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="85"/>
        <source>{host} failed with error {status}.</source>
        <translation>{host} 出错，错误代码 {status}。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="87"/>
        <source>{host} reported an error.</source>
        <translation>{host} 报告了一个错误。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="89"/>
        <source>{host} refused the request (error {status}).</source>
        <translation>{host} 拒绝了请求（错误 {status}）。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="93"/>
        <source>The answer from {host} stopped before it was finished. Regenerate to try again.</source>
        <translation>来自 {host} 的回答在完成前中断了。请点“重新生成”再试一次。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="102"/>
        <source>{host} does not serve the model {model}. Pick another one in Settings → Model.</source>
        <translation>{host} 没有提供模型 {model}。请在“设置 → 模型”中选择其他模型。</translation>
    </message>
    <message>
        <location filename="../../app/words/remote.py" line="106"/>
        <source>{host} has no such model or address. Check the address in Settings → Servers (it usually ends in /v1).</source>
        <translation>{host} 上没有这个模型或地址。请在“设置 → 服务器”中检查地址（通常以 /v1 结尾）。</translation>
    </message>
</context>
<context>
    <name>ServersPage</name>
    <message>
        <location filename="../../app/settings/servers_page.py" line="60"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="103"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="106"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="122"/>
        <source>The server&apos;s OpenAI-compatible address; /v1 is added if missing</source>
        <translation>服务器的 OpenAI 兼容地址；缺少 /v1 时会自动补上</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="127"/>
        <source>Decides how the thinking switch is sent to the server</source>
        <translation>决定如何把思考开关发送给服务器</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="132"/>
        <source>Remove key</source>
        <translation>移除密钥</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="147"/>
        <source>How long to wait for the next words; thinking models can be silent for minutes</source>
        <translation>等待下一段文字的时间；思考模型可能几分钟都没有输出</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="150"/>
        <source>Append /think or /no_think</source>
        <translation>附加 /think 或 /no_think</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="154"/>
        <source>For servers that ignore the thinking switch: the question ends in /think or /no_think, which MiniCPM4.1 and Qwen3 read</source>
        <translation>用于忽略思考开关的服务器：问题末尾加上 /think 或 /no_think，MiniCPM4.1 和 Qwen3 能识别</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="162"/>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="173"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="174"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="175"/>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="176"/>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="178"/>
        <source>Connect timeout</source>
        <translation>连接超时</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="179"/>
        <source>Read timeout</source>
        <translation>读取超时</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="188"/>
        <source>Remote servers are off while working offline (Settings → Downloads).</source>
        <translation>离线工作时远程服务器不可用（设置 → 下载）。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="211"/>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="335"/>
        <source>Give the server a name.</source>
        <translation>请给服务器起个名字。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="337"/>
        <source>A server&apos;s name cannot contain “/”.</source>
        <translation>服务器名称不能包含“/”。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="339"/>
        <source>Another server already has this name.</source>
        <translation>已有其他服务器使用这个名称。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="341"/>
        <source>Enter the server&apos;s address, e.g. http://gpu-box:8000/v1.</source>
        <translation>请输入服务器地址，例如 http://gpu-box:8000/v1。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="342"/>
        <source>The address must start with http:// or https://.</source>
        <translation>地址必须以 http:// 或 https:// 开头。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="360"/>
        <source>A key is saved</source>
        <translation>已保存密钥</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="360"/>
        <source>None (the server needs no key)</source>
        <translation>无（服务器不需要密钥）</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="365"/>
        <source>Saved in the system keyring when you press OK.</source>
        <translation>点“确定”时保存到系统密钥环。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="367"/>
        <source>The key is removed when you press OK.</source>
        <translation>点“确定”时移除密钥。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="369"/>
        <source>Saved in the system keyring.</source>
        <translation>已保存在系统密钥环中。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="372"/>
        <source>A key is kept in the system keyring, never in the settings file.</source>
        <translation>密钥只保存在系统密钥环中，绝不写入设置文件。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="376"/>
        <source>No system keyring is available, so the API key can&apos;t be saved.</source>
        <translation>没有可用的系统密钥环，无法保存 API 密钥。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="394"/>
        <source>Remote servers are off while working offline</source>
        <translation>离线工作时远程服务器不可用</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="404"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="422"/>
        <source>The connection test failed: {error}</source>
        <translation>连接测试失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="427"/>
        <source>Connected, but the server lists no models.</source>
        <translation>已连接，但服务器没有列出任何模型。</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="430"/>
        <source>Connected: 1 model ({names})</source>
        <translation>已连接：1 个模型（{names}）</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="431"/>
        <source>Connected: {count} models ({names})</source>
        <translation>已连接：{count} 个模型（{names}）</translation>
    </message>
    <message>
        <location filename="../../app/settings/servers_page.py" line="438"/>
        <location filename="../../app/settings/servers_page.py" line="440"/>
        <source>Server {number}</source>
        <translation>服务器 {number}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../app/settings/dialog.py" line="48"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="64"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="65"/>
        <source>Generation</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="66"/>
        <source>Servers</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="67"/>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="68"/>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <location filename="../../app/settings/dialog.py" line="69"/>
        <source>Local API</source>
        <translation>本地 API</translation>
    </message>
</context>
<context>
    <name>StorageWords</name>
    <message>
        <location filename="../../app/words/storage.py" line="39"/>
        <source>The disk is almost full ({free} free): new messages cannot be saved until you free up some space.</source>
        <translation>磁盘即将用满（剩余 {free}）：释放一些空间之前，无法保存新消息。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="45"/>
        <source>The disk that holds your chats is almost full ({free} free). Free up some space soon: below {needed} new messages cannot be saved.</source>
        <translation>存放对话的磁盘即将用满（剩余 {free}）。请尽快释放一些空间：可用空间低于 {needed} 时将无法保存新消息。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="76"/>
        <source>Could not open the chat database {path} ({reason}).</source>
        <translation>无法打开对话数据库 {path}（{reason}）。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="80"/>
        <source>{path} is not a MiniCPM Chat database or is damaged ({reason}).</source>
        <translation>{path} 不是 MiniCPM Chat 数据库，或已损坏（{reason}）。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="83"/>
        <source>{path} was saved by a newer version of MiniCPM Chat (database version {version}, this app knows up to {known}). Update the app; the file was not changed.</source>
        <translation>{path} 由更新版本的 MiniCPM Chat 保存（数据库版本 {version}，本应用最高支持 {known}）。请更新应用；该文件未被更改。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="95"/>
        <source>Upgrading the chat database to version {version} failed: {reason} A copy from before the upgrade is in {backup}.</source>
        <translation>将对话数据库升级到版本 {version} 失败：{reason} 升级前的副本保存在 {backup}。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="100"/>
        <source>Upgrading the chat database to version {version} failed: {reason}</source>
        <translation>将对话数据库升级到版本 {version} 失败：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="107"/>
        <source>Could not back up the chat database before upgrading it ({reason}); nothing was changed.</source>
        <translation>升级前无法备份对话数据库（{reason}）；未做任何更改。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="113"/>
        <source>The disk is almost full ({free} free in {folder}), so the chat was not saved. Free up some space: saving needs at least {needed}.</source>
        <translation>磁盘即将用满（{folder} 中剩余 {free}），因此对话未保存。请释放一些空间：保存至少需要 {needed}。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="123"/>
        <source>The disk is full, so the chat was not saved (nothing was half-saved). Free up some disk space and try again.</source>
        <translation>磁盘已满，因此对话未保存（不会只保存一半）。请释放一些磁盘空间后重试。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="129"/>
        <source>The chat database is busy (is MiniCPM Chat running twice?); nothing was saved.</source>
        <translation>对话数据库正忙（是否同时运行了两个 MiniCPM Chat？）；未保存任何内容。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="134"/>
        <source>The chat database is read-only, so nothing can be saved.</source>
        <translation>对话数据库为只读，无法保存任何内容。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="138"/>
        <source>The chat could not be saved ({reason}).</source>
        <translation>无法保存对话（{reason}）。</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="155"/>
        <source>{where}: {problem}</source>
        <translation>{where}：{problem}</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="165"/>
        <source>conversation {conversation}, message {message}</source>
        <translation>对话 {conversation}，消息 {message}</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="168"/>
        <source>conversation {conversation}</source>
        <translation>对话 {conversation}</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="176"/>
        <source>not a MiniCPM Chat history export (expected format &apos;{format}&apos;)</source>
        <translation>不是 MiniCPM Chat 对话记录导出文件（应为“{format}”格式）</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="180"/>
        <source>the export has no valid version number</source>
        <translation>导出文件没有有效的版本号</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="182"/>
        <source>the export is version {version}, made by a newer MiniCPM Chat; update the app</source>
        <translation>导出文件版本为 {version}，由更新版本的 MiniCPM Chat 创建；请更新应用</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="187"/>
        <source>&apos;conversations&apos; must be a list</source>
        <translation>“conversations”必须是列表</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="189"/>
        <source>{file} is not a UTF-8 text file</source>
        <translation>{file} 不是 UTF-8 文本文件</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="193"/>
        <source>{file} nests lists or objects more than {depth} levels deep; a chat history export never does</source>
        <translation>{file} 中列表或对象的嵌套超过 {depth} 层；对话记录导出文件不会出现这种情况</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="199"/>
        <source>{file} is not valid JSON ({reason})</source>
        <translation>{file} 不是有效的 JSON（{reason}）</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="209"/>
        <source>must be an object</source>
        <translation>必须是对象</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="211"/>
        <source>&apos;messages&apos; must be a list</source>
        <translation>“messages”必须是列表</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="213"/>
        <source>unknown role &apos;{role}&apos;</source>
        <translation>未知角色“{role}”</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="217"/>
        <source>&apos;{key}&apos; is missing</source>
        <translation>缺少“{key}”</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="219"/>
        <source>&apos;{key}&apos; must be of type {type}</source>
        <translation>“{key}”的类型必须是 {type}</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="223"/>
        <source>&apos;{key}&apos; must be a number</source>
        <translation>“{key}”必须是数字</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="227"/>
        <source>&apos;{key}&apos; is not valid Unicode text (it holds a lone surrogate, a broken \uXXXX escape)</source>
        <translation>“{key}”不是有效的 Unicode 文本（包含孤立代理项，即损坏的 \uXXXX 转义）</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="233"/>
        <source>two messages share an id</source>
        <translation>两条消息的 ID 相同</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="235"/>
        <source>message {id} has an unknown parent</source>
        <translation>消息 {id} 的父消息未知</translation>
    </message>
    <message>
        <location filename="../../app/words/storage.py" line="239"/>
        <source>the parent links form a loop</source>
        <translation>父消息链接形成了循环</translation>
    </message>
</context>
</TS>
